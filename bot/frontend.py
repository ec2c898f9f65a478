"""The bridge between a slash command and its typed handler, for Discord and the console alike.

A cog's command method *is* the command: it receives the options discord.py parsed and calls the
feature's handler directly, ``await respond(interaction, self.faq.ask, question=question)``. The
console calls that very method with a :class:`ConsoleCall` in place of the interaction, so a
renamed option or handler argument fails in a test, never only when a member runs the command.
Autocomplete (:func:`suggest`) and the one permission decorator (:func:`require`) work the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import discord
from discord import app_commands

from bot.core import Core
from bot.discord_render import actor_from, choice_list, send_reply
from bot.errors import NotAllowed, SupportError, reply_for
from bot.permissions import Rule
from bot.ui import Actor, Choice, Reply

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Handler = Callable[Concatenate[Actor, P], Awaitable[Reply]]
Completer = Callable[[Actor, str], Awaitable[list[Choice]]]

AUTO_DEFER_SECONDS = 1.0  # a handler still running after this is deferred (Discord allows 3 s)


class ConsoleCall:
    """A command run from the console: who runs it, the core, and the replies it produced."""

    def __init__(self, actor: Actor, core: Core) -> None:
        self.actor = actor
        self.core = core
        self.replies: list[Reply] = []


Invocation = discord.Interaction | ConsoleCall


class FriendlyCheckFailure(app_commands.CheckFailure):
    """A check that failed with a message written for the member (e.g. "moderators only")."""

    def __init__(self, error: NotAllowed) -> None:
        super().__init__(type(error).__name__)
        self.error = error
        self.message = error.text


def actor_of(interaction: Invocation) -> Actor:
    """Who is acting, from a Discord interaction or a console call."""
    return interaction.actor if isinstance(interaction, ConsoleCall) else actor_from(interaction)


def core_of(interaction: Invocation) -> Core:
    """The shared core, from a console call or the Discord client that received the interaction."""
    if isinstance(interaction, ConsoleCall):
        return interaction.core
    return interaction.client.core  # type: ignore[attr-defined, no-any-return]


async def respond(interaction: Invocation, handler: Handler[P], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """Run a command's handler for the actor and deliver its reply.

    On Discord a command marked ``extras={"defer": True}`` is deferred first; any other handler
    still running after :data:`AUTO_DEFER_SECONDS` is deferred before Discord's 3-second deadline
    instead of leaving "the application did not respond".
    """
    actor = actor_of(interaction)
    if isinstance(interaction, ConsoleCall):
        interaction.replies.append(await answer(handler, actor, *args, **kwargs))
        return
    command = interaction.command
    extras = command.extras if command is not None else {}
    ephemeral = extras.get("ephemeral", True)
    if extras.get("defer"):
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        reply = await answer(handler, actor, *args, **kwargs)
    else:
        task = asyncio.ensure_future(answer(handler, actor, *args, **kwargs))
        done, _ = await asyncio.wait({task}, timeout=AUTO_DEFER_SECONDS)
        if not done and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        reply = await task
    await send_reply(interaction, reply)


async def answer(handler: Handler[P], actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> Reply:
    """The handler's reply, or the kind reply for the domain error it raised (nothing changed)."""
    try:
        return await handler(actor, *args, **kwargs)
    except SupportError as error:
        return reply_for(error)


async def suggest(interaction: Invocation, completer: Completer, current: str) -> list[app_commands.Choice[str]]:
    """The body of every autocomplete: a failure shows no suggestions, never an error."""
    try:
        return choice_list(await completer(actor_of(interaction), current))
    except Exception:
        log.exception("autocomplete %s failed", getattr(completer, "__qualname__", "?"))
        return []


def require(rule: Rule) -> Callable[[T], T]:
    """The one permission decorator: a real check (``default_permissions`` is only a hint to
    Discord) that refuses kindly with the rule's own text, on Discord and in the console."""

    async def predicate(interaction: Invocation) -> bool:
        try:
            await rule(actor_of(interaction), core_of(interaction).guilds)
        except NotAllowed as refused:
            raise FriendlyCheckFailure(refused) from None
        return True

    predicate.rule = rule  # type: ignore[attr-defined]  # lets tests see which rule guards a command
    return app_commands.check(predicate)  # type: ignore[arg-type]


def rule_of(check: Callable[..., Any]) -> Rule | None:
    """The permission rule behind a check made by :func:`require` (None for any other check)."""
    return getattr(check, "rule", None)
