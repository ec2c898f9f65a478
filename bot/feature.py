"""One shape for every feature.

The app is a list of :class:`Feature` objects; the Discord client and the console both walk it.
A feature brings its slash commands (cogs, whose methods call typed handlers), its button and form
routes (custom-id prefix → handler), its background jobs, its start/stop, and — when it stores
anything about a member — its part of ``/mydata``: describe, export and delete for one member.
Core calls those for every feature, so a new feature cannot forget to join a registry.

Adding a feature: write ``bot/<name>/`` with a service (plain Python, no discord.py), a cog, and a
``Feature`` subclass, then add it to the list in :meth:`bot.app.SupportApp.__init__`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from discord.ext import commands

from bot.customid import Family
from bot.privacy import DataHolder
from bot.router import ComponentHandler
from bot.ui import Attachment


@dataclass(slots=True, frozen=True)
class Route:
    """Buttons and forms whose ``custom_id`` one of ``ids``' codecs reads go to ``handler``,
    with the typed value the codec parsed (:mod:`bot.customid`).

    ``content_forms``: the forms carry moderators' health content, which may rightly discuss
    suicide; the safety screen then adds a note instead of stopping (see :class:`bot.router.Router`).
    """

    ids: Family
    handler: ComponentHandler
    content_forms: bool = False

    @property
    def prefix(self) -> str:
        """The custom-id prefix the router dispatches on."""
        return self.ids.prefix


@dataclass(slots=True, frozen=True)
class Job:
    """A background job the front end runs once the client is ready: every ``every`` seconds,
    or once when ``every`` is None. A failure is logged and never stops the loop."""

    name: str
    run: Callable[[], Awaitable[None]]
    every: float | None = None
    # Once per bot, not once per process: with several sharded processes only the one that owns
    # shard 0 runs it (a post to every server's audit channel, say).
    once_per_bot: bool = False


class Feature:
    """The interface every feature implements; each part has an empty default."""

    name: str = ""

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """The feature's slash commands, as discord.py cogs built around its services."""
        return ()

    def routes(self) -> Sequence[Route]:
        """The custom-id prefixes this feature's buttons and forms use."""
        return ()

    def jobs(self) -> Sequence[Job]:
        """Background jobs, started by the Discord client (the console runs none)."""
        return ()

    async def start(self) -> None:
        """Load what the feature needs after migrations and content (called once, in list order)."""

    async def stop(self) -> None:
        """Write out anything buffered before the database closes."""

    def member_data(self) -> Sequence[DataHolder]:
        """What this feature stores about a member, one holder per kind of data (``/mydata``)."""
        return ()

    async def describe_member(self, user_id: int) -> list[tuple[str, str]]:
        """(name, one-line description) of everything stored about the member here."""
        found: list[tuple[str, str]] = []
        for holder in self.member_data():
            text = await holder.describe(user_id)
            if text:
                found.append((holder.name, text))
        return found

    async def export_member(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member here, JSON-ready, by holder name."""
        data: dict[str, Any] = {}
        for holder in self.member_data():
            if holder.export is not None and (value := await holder.export(user_id)):
                data[holder.name] = value
        return data

    async def member_files(self, user_id: int) -> list[Attachment]:
        """Extra files for the member's export (e.g. check-ins as CSV)."""
        files: list[Attachment] = []
        for holder in self.member_data():
            if holder.files is not None:
                files.extend(await holder.files(user_id))
        return files

    async def delete_member(self, user_id: int) -> int:
        """Delete everything stored about the member here; returns how many items went."""
        removed = 0
        for holder in self.member_data():
            removed += await holder.delete(user_id)
        return removed
