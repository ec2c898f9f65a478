"""Who may moderate: the server's moderator role, or Manage Server.

Discord's ``default_permissions`` only hides commands in the client, and a server admin can change
it; this check is what actually protects health content. The rule itself lives in
:mod:`bot.permissions` (one function, used by the command check on Discord and in the console, and
by every moderator button and form); this module keeps the self-approval rule.
"""

from __future__ import annotations

from bot.guilds import GuildSettingsStore
from bot.permissions import MODERATORS_ONLY as REFUSAL
from bot.permissions import is_moderator
from bot.ui import Actor

__all__ = ["REFUSAL", "is_moderator", "may_self_approve"]


async def may_self_approve(actor: Actor, guilds: GuildSettingsStore, globally_allowed: bool) -> bool:
    """Whether an author may approve their own draft (small groups may have one moderator)."""
    if globally_allowed:
        return True
    if actor.guild_id is None:
        return False
    return (await guilds.get(actor.guild_id)).allow_self_approval
