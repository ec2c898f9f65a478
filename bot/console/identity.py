"""Who the console plays and where: stable ids for console names and channels, and the role
words ``:user`` understands.

Ids are derived from names (a hash), so a member called "bob" in one console session is the
same member, with the same data, in the next.
"""

from __future__ import annotations

import hashlib
import re

from bot.ui import Actor

_NAMES: dict[int, str] = {}  # ids handed out in this process -> "#venting", "@Moderators", "@bob"
_MENTION = re.compile(r"<(#|@&|@!?)(\d+)>")

CONSOLE_GUILD_ID = 100_000_000_000_000_001
CONSOLE_CHANNEL_ID = 100_000_000_000_000_002


def user_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console name, so data persists between sessions."""
    return _snowflake(200_000_000_000_000_000, name.casefold(), "@" + name)


def channel_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console channel name (``#general``)."""
    return _snowflake(300_000_000_000_000_000, "#" + name.casefold().lstrip("#"), "#" + name.lstrip("#"))


def role_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console role name (``@Moderators``)."""
    return _snowflake(400_000_000_000_000_000, "@" + name.casefold().lstrip("@"), "@" + name.lstrip("@"))


def _snowflake(base: int, key: str, shown: str) -> int:
    """``base`` plus a hash of ``key``; remembers how the id is shown (:func:`shown_mentions`)."""
    snowflake = base + int.from_bytes(hashlib.sha256(key.encode()).digest()[:7], "big")
    _NAMES[snowflake] = shown
    return snowflake


def shown_mentions(text: str) -> str:
    """Discord mentions of console names as the names typed ("<#3…>" -> "#venting"); ids the
    console never handed out stay as they are."""
    return _MENTION.sub(lambda m: _NAMES.get(int(m[2]), m[0]), text)


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
