"""Who may moderate: the server's moderator role, or Manage Server.

Discord's ``default_permissions`` only hides commands in the client, and a server admin can change
it; this check is what actually protects health content. It is one function, used by the Discord
command check, the console (``extras["check"]``) and every moderator button and form.
"""

from __future__ import annotations

from bot.guilds import GuildSettingsStore
from bot.ui import Actor

CHECK_NAME = "moderation.is_moderator"
REFUSAL = "This command is for moderators. If you think you should have it, ask a server admin."


async def is_moderator(actor: Actor, guilds: GuildSettingsStore) -> bool:
    """Manage Server, or the moderator role set for this server; never in DMs."""
    if actor.guild_id is None:
        return False
    if actor.can_manage_guild:
        return True
    settings = await guilds.get(actor.guild_id)
    return settings.moderator_role_id is not None and settings.moderator_role_id in actor.role_ids


async def may_self_approve(actor: Actor, guilds: GuildSettingsStore, globally_allowed: bool) -> bool:
    """Whether an author may approve their own draft (small groups may have one moderator)."""
    if globally_allowed:
        return True
    if actor.guild_id is None:
        return False
    return (await guilds.get(actor.guild_id)).allow_self_approval
