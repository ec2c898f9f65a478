"""Who may run what: the permission rules every command, button and form shares.

Each rule is a plain async function of the actor and the server settings that returns when the
actor is allowed and raises a :class:`~bot.errors.NotAllowed` subclass otherwise.
:func:`bot.frontend.require` turns one into the command check used on Discord and in the console
alike, and services call the same function for buttons and forms, so one rule never exists in
two copies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.errors import NotAllowed
from bot.guilds import GuildSettingsStore
from bot.ui import Actor

Rule = Callable[[Actor, GuildSettingsStore], Awaitable[None]]

ADMINS_ONLY = "Only server admins (Manage Server) can change these settings."
MODERATORS_ONLY = "This command is for moderators. If you think you should have it, ask a server admin."


class NotAdmin(NotAllowed):
    """Server settings and channel watch need Manage Server."""

    text = ADMINS_ONLY


class NotModerator(NotAllowed):
    """FAQ moderation needs the server's moderator role or Manage Server."""

    text = MODERATORS_ONLY


async def is_moderator(actor: Actor, guilds: GuildSettingsStore) -> bool:
    """Manage Server, or the moderator role set for this server; never in DMs."""
    if actor.guild_id is None:
        return False
    if actor.can_manage_guild:
        return True
    settings = await guilds.get(actor.guild_id)
    return settings.moderator_role_id is not None and settings.moderator_role_id in actor.role_ids


async def admins(actor: Actor, guilds: GuildSettingsStore) -> None:
    """Server admins (Manage Server) inside a server; raises :class:`NotAdmin` for anyone else."""
    if actor.guild_id is None or not actor.can_manage_guild:
        raise NotAdmin()


async def moderators(actor: Actor, guilds: GuildSettingsStore) -> None:
    """The server's moderators (see :func:`is_moderator`); raises :class:`NotModerator` for anyone else."""
    if not await is_moderator(actor, guilds):
        raise NotModerator()


async def allowed(rule: Rule, actor: Actor, guilds: GuildSettingsStore) -> bool:
    """Whether ``rule`` lets ``actor`` through (for suggestions, which stay silent instead)."""
    try:
        await rule(actor, guilds)
    except NotAllowed:
        return False
    return True
