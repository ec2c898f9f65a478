"""/mydata: what the bot stores about a member, in every feature, their export, their retention
choice, and real deletion of all of it.

Every feature answers for its own data (``describe_member``, ``export_member``, ``member_files``,
``delete_member`` on :class:`bot.feature.Feature`, usually through :class:`DataHolder` objects), and
this service calls them all, so there is no registry a new feature could forget to join; a test in
``tests/integration/test_privacy_choices.py`` checks every table with a member column is emptied.

Deleting is real: after the holders delete their rows the database log is checkpointed and
truncated (``scrub``), so with ``secure_delete`` no copy of a deleted row stays on disk, and the
files the bot wrote for the member (console charts and exports) are removed.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.customid import Family, Kind, OneOf
from bot.ui import Actor, Attachment, Button, Card, Colour, Field, Reply, Style

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MydataButton:
    """A ``/mydata`` button: ``export``, ``ask`` (to delete), ``confirm`` or ``cancel``."""

    action: str


MYDATA = Kind(MydataButton, "mydata:{action}", action=OneOf("export", "ask", "confirm", "cancel"))
MYDATA_IDS = Family("mydata", [MYDATA], "That button has expired. Please run /mydata again.")

QUESTIONS_NOTE = (
    "Questions the FAQ couldn't answer are kept without who asked (so they can't be shown or deleted "
    "as yours), with names, emails, phone numbers, mentions, ages, dates and links removed, for at "
    "most {days} days."
)


@dataclass(slots=True)
class DataHolder:
    """One kind of data a feature stores about a member, and how to describe, export and delete it."""

    name: str
    describe: Callable[[int], Awaitable[str | None]]  # None: nothing stored
    delete: Callable[[int], Awaitable[int]]
    export: Callable[[int], Awaitable[Any]] | None = None  # JSON-ready; None/empty: nothing stored
    files: Callable[[int], Awaitable[list[Attachment]]] | None = None  # e.g. the check-ins CSV


class MemberFiles:
    """Files the bot wrote for one member on this machine (the console saves charts and CSV
    exports under ``<folder>/<member id>/``). Deleting a member's data deletes these too."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def of(self, user_id: int) -> Path:
        return self.folder / str(int(user_id))

    def _paths(self, user_id: int) -> list[Path]:
        folder = self.of(user_id)
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []

    async def describe(self, user_id: int) -> str | None:
        paths = self._paths(user_id)
        return f"{len(paths)} file(s) saved for you on this computer (charts, exports)." if paths else None

    async def export(self, user_id: int) -> list[str]:
        return [p.name for p in self._paths(user_id)]

    async def delete(self, user_id: int) -> int:
        paths = self._paths(user_id)
        for path in paths:
            try:  # overwrite first: a plain unlink leaves the bytes in free disk blocks for longer
                size = path.stat().st_size
                with path.open("r+b") as handle:
                    handle.write(b"\0" * size)
            except OSError:
                pass
            path.unlink(missing_ok=True)
        folder = self.of(user_id)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            if folder.exists():
                log.warning("a member's saved files folder could not be removed completely")
        return len(paths)


Retention = Callable[[Actor, str | None], Awaitable[Reply]]


class MemberData(Protocol):
    """The ``/mydata`` part of a feature (see :class:`bot.feature.Feature`)."""

    async def describe_member(self, user_id: int) -> list[tuple[str, str]]: ...
    async def export_member(self, user_id: int) -> dict[str, Any]: ...
    async def member_files(self, user_id: int) -> list[Attachment]: ...
    async def delete_member(self, user_id: int) -> int: ...


class PrivacyService:
    """``/mydata`` over every feature: show, export, delete, and the check-ins retention choice."""

    def __init__(self, features: Callable[[], Sequence[MemberData]], scrub: Callable[[], Awaitable[bool]] | None = None,
                 question_days: int = 90, retention: Retention | None = None,
                 today: Callable[[], str] = lambda: "today") -> None:
        self.features = features
        self.scrub = scrub
        self.question_days = question_days
        self.retention = retention
        self.today = today

    async def describe(self, user_id: int) -> list[tuple[str, str]]:
        """(name, description) of everything every feature stores about the member."""
        found: list[tuple[str, str]] = []
        for feature in self.features():
            found.extend(await feature.describe_member(user_id))
        return found

    async def mydata(self, actor: Actor, action: str = "show", keep: str | None = None) -> Reply:
        if keep is not None and action == "show":
            action = "retention"  # `/mydata keep:90d` means what it says
        if action == "export":
            return await self.export(actor)
        if action == "retention":
            if self.retention is None:
                return Reply.text("Nothing the bot stores about you has a retention choice.")
            return await self.retention(actor, keep)
        found = await self.describe(actor.user_id)
        if action == "delete":
            if not found:
                return Reply.text("There's nothing stored about you, so there is nothing to delete.")
            return Reply(
                content=("This deletes everything listed below, for good, and it can't be undone. "
                         "Are you sure?"),
                cards=[self._card(found)],
                buttons=[Button("Yes, delete everything", MYDATA("confirm"), Style.DANGER),
                         Button("Cancel", MYDATA("cancel"), Style.SECONDARY)],
            )
        if not found:
            return Reply.text("I don't store anything about you. " + QUESTIONS_NOTE.format(days=self.question_days))
        return Reply(
            content=("Here is everything I store about you. Only you can see this. `/mydata action:export` "
                     "gives you all of it as files."),
            cards=[self._card(found)],
            buttons=[Button("Export all of it", MYDATA("export"), Style.SECONDARY),
                     Button("Delete all of it", MYDATA("ask"), Style.DANGER)],
        )

    def _card(self, found: list[tuple[str, str]]) -> Card:
        return Card(title="Your data", fields=[Field(name, text) for name, text in found], colour=Colour.NEUTRAL,
                    footer=QUESTIONS_NOTE.format(days=self.question_days))

    async def export_data(self, user_id: int) -> dict[str, Any]:
        """Everything every feature stores about the member, as one JSON-ready object."""
        data: dict[str, Any] = {}
        for feature in self.features():
            data.update(await feature.export_member(user_id))
        return data

    async def export(self, actor: Actor) -> Reply:
        data = await self.export_data(actor.user_id)
        if not data:
            return Reply.text("I don't store anything about you, so there is nothing to export.")
        document = {"format": "supportbot member data export", "version": 1, "member_id": str(actor.user_id),
                    "exported_on": self.today(), "data": data}
        files = [Attachment(f"mydata-{self.today()}.json",
                            json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
                            description="Everything the bot stores about you (JSON)")]
        for feature in self.features():
            files.extend(await feature.member_files(actor.user_id))
        extra = ", and your check-ins as CSV for a spreadsheet" if len(files) > 1 else ""
        return Reply(content=f"Here is everything I store about you: one JSON file with all of it{extra}. "
                             "Only you can see this.",
                     files=files)

    async def delete_all(self, user_id: int) -> int:
        removed = 0
        for feature in self.features():
            removed += await feature.delete_member(user_id)
        if self.scrub is not None:
            await self.scrub()
        log.info("a member deleted all their data")
        return removed

    async def handle_button(self, actor: Actor, pressed: MydataButton, values: dict[str, str]) -> Reply:
        """A button of :data:`MYDATA_IDS`, already parsed by its codec."""
        action = pressed.action
        if action == "ask":
            return await self.mydata(actor, "delete")
        if action == "export":
            return await self.export(actor)
        if action == "confirm":
            await self.delete_all(actor.user_id)
            return Reply(content="Done. Everything I stored about you has been deleted, for real.", update=True)
        if action == "cancel":
            return Reply(content="Cancelled — nothing was deleted.", update=True)
        raise TypeError(f"not a /mydata button: {pressed!r}")
