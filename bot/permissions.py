"""Who may run what: the permission rules every command, button and form shares.

Each rule is a plain async function of the actor and the server settings, returning a kind
refusal (or None to allow). :func:`bot.frontend.require` turns one into the command check used
on Discord and in the console alike, and services call the same function for buttons and forms,
so one rule never exists in two copies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.guilds import GuildSettingsStore
from bot.ui import Actor

Rule = Callable[[Actor, GuildSettingsStore], Awaitable[str | None]]

ADMINS_ONLY = "Only server admins (Manage Server) can change these settings."
MODERATORS_ONLY = "This command is for moderators. If you think you should have it, ask a server admin."


async def is_moderator(actor: Actor, guilds: GuildSettingsStore) -> bool:
    """Manage Server, or the moderator role set for this server; never in DMs."""
    if actor.guild_id is None:
        return False
    if actor.can_manage_guild:
        return True
    settings = await guilds.get(actor.guild_id)
    return settings.moderator_role_id is not None and settings.moderator_role_id in actor.role_ids


async def admins(actor: Actor, guilds: GuildSettingsStore) -> str | None:
    """Server admins (Manage Server) inside a server; everyone else gets :data:`ADMINS_ONLY`."""
    if actor.guild_id is None or not actor.can_manage_guild:
        return ADMINS_ONLY
    return None


async def moderators(actor: Actor, guilds: GuildSettingsStore) -> str | None:
    """The server's moderators (see :func:`is_moderator`); everyone else gets :data:`MODERATORS_ONLY`."""
    return None if await is_moderator(actor, guilds) else MODERATORS_ONLY
