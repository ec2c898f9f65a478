"""/mydata: what the bot stores about a member, in every feature, and real deletion of all of it.

Each feature registers a :class:`DataHolder`; adding a feature that stores personal data means
adding a holder here, and the test in ``tests/integration/test_privacy.py`` checks every table
with a member column is covered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ui import Actor, Button, Card, Colour, Field, Reply, Style

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DataHolder:
    name: str
    describe: Callable[[int], Awaitable[str | None]]  # None: nothing stored
    delete: Callable[[int], Awaitable[int]]


class PrivacyService:
    def __init__(self) -> None:
        self.holders: list[DataHolder] = []

    def add(self, holder: DataHolder) -> None:
        self.holders.append(holder)

    async def describe(self, user_id: int) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for holder in self.holders:
            text = await holder.describe(user_id)
            if text:
                found.append((holder.name, text))
        return found

    async def mydata(self, actor: Actor, action: str = "show") -> Reply:
        found = await self.describe(actor.user_id)
        if action == "delete":
            if not found:
                return Reply.text("There's nothing stored about you, so there is nothing to delete.")
            return Reply(
                content=("This deletes everything listed below, for good, and it can't be undone. "
                         "Are you sure?"),
                cards=[self._card(found)],
                buttons=[Button("Yes, delete everything", "mydata:confirm", Style.DANGER),
                         Button("Cancel", "mydata:cancel", Style.SECONDARY)],
            )
        if not found:
            return Reply.text(
                "I don't store anything about you. (Questions the FAQ couldn't answer are kept as words "
                "only, never with who asked.)"
            )
        return Reply(
            content="Here is everything I store about you. Only you can see this.",
            cards=[self._card(found)],
            buttons=[Button("Delete all of it", "mydata:ask", Style.DANGER)],
        )

    @staticmethod
    def _card(found: list[tuple[str, str]]) -> Card:
        return Card(title="Your data", fields=[Field(name, text) for name, text in found], colour=Colour.NEUTRAL,
                    footer="Questions you asked /faq are never linked to you.")

    async def delete_all(self, user_id: int) -> int:
        removed = 0
        for holder in self.holders:
            removed += await holder.delete(user_id)
        log.info("a member deleted all their data")
        return removed

    async def handle_button(self, actor: Actor, args: list[str], values: dict[str, str]) -> Reply:
        action = args[0] if args else ""
        if action == "ask":
            return await self.mydata(actor, "delete")
        if action == "confirm":
            await self.delete_all(actor.user_id)
            return Reply(content="Done. Everything I stored about you has been deleted, for real.", update=True)
        if action == "cancel":
            return Reply(content="Cancelled — nothing was deleted.", update=True)
        return Reply.text("That button has expired. Please run /mydata again.")
