"""Who the console plays and where: stable ids for console names and channels, and the role
words ``:user`` understands.

Ids are derived from names (a hash), so a member called "bob" in one console session is the
same member, with the same data, in the next.
"""

from __future__ import annotations

import hashlib

from bot.ui import Actor

CONSOLE_GUILD_ID = 100_000_000_000_000_001
CONSOLE_CHANNEL_ID = 100_000_000_000_000_002


def user_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console name, so data persists between sessions."""
    digest = hashlib.sha256(name.casefold().encode()).digest()
    return 200_000_000_000_000_000 + int.from_bytes(digest[:7], "big")


def channel_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console channel name (``#general``)."""
    digest = hashlib.sha256(("#" + name.casefold().lstrip("#")).encode()).digest()
    return 300_000_000_000_000_000 + int.from_bytes(digest[:7], "big")


def console_actor(name: str, *, moderator: bool = False) -> Actor:
    """The actor a console name stands for (stable ids, so data persists)."""
    return Actor(
        user_id=user_id_for(name),
        display_name=name,
        guild_id=CONSOLE_GUILD_ID,
        channel_id=CONSOLE_CHANNEL_ID,
        can_manage_guild=moderator,
        locale="en-GB",
    )


# The words people use for a role, and what each one is in the console. A moderator has Manage
# Server there (it passes every moderator and admin check), so "admin" and "mod" are one role.
ROLES = {
    "member": "member", "members": "member", "user": "member", "regular": "member",
    "mod": "mod", "mods": "mod", "moderator": "mod", "moderators": "mod",
    "admin": "admin", "admins": "admin", "administrator": "admin", "owner": "admin",
}
ROLE_HELP = ("member (the default), mod or moderator (Manage Server: moderator and admin commands), "
             "admin (the same in the console)")
