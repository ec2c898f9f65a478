"""Keeping data no longer than promised, on a schedule.

Runs at start-up and then from the reminder loop at most once an hour (by the bot's clock, so
tests move time instead of waiting):

* check-ins older than the member's chosen retention (``/mydata action:retention``);
* unanswered questions older than ``QUESTION_RETENTION_DAYS`` (default 90).

Whatever is deleted is then scrubbed from the database log (see :meth:`Database.scrub`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.checkins import retention as checkin_retention
from bot.clock import from_iso
from bot.faq.redact import redact
from bot.faq.text import normalise_question

if TYPE_CHECKING:
    from bot.checkins.store import CheckinStore
    from bot.core import Core
    from bot.faq.store import FaqStore

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)


@dataclass(slots=True)
class PurgeResult:
    """How many check-ins and unanswered questions one retention run deleted."""

    checkins: int = 0
    questions: int = 0

    @property
    def total(self) -> int:
        return self.checkins + self.questions


class RetentionJob:
    """Deletes what is past its promised keeping time, then scrubs the database log."""

    def __init__(self, core: Core, checkins: CheckinStore, faq_store: FaqStore) -> None:
        self.core = core
        self.checkins = checkins
        self.faq_store = faq_store
        self.last_run: datetime | None = None

    async def due(self, now: datetime) -> PurgeResult | None:
        """Run when an hour has passed since the last run (the reminder loop calls this often)."""
        if self.last_run is not None and now - self.last_run < EVERY:
            return None
        return await self.run(now)

    async def run(self, now: datetime) -> PurgeResult:
        self.last_run = now
        result = PurgeResult(
            checkins=await checkin_retention.purge(self.checkins, now),
            questions=await self.faq_store.purge_unanswered(self.core.settings.question_retention_days),
        )
        if result.total:
            await self.core.db.scrub()
            log.info("retention: %d check-in(s) and %d unanswered question(s) deleted",
                     result.checkins, result.questions)
        return result

    async def minimise_old_questions(self) -> int:
        """Questions stored by a version without minimisation (plain text): redact them, round
        their time to the day and encrypt them, in place."""
        store = self.faq_store
        changes = []
        for row_id, guild_id, question, asked_at in await store.plain_unanswered():
            words = redact(question)
            changes.append((row_id, guild_id, words, normalise_question(words) or "-", store.day_of(from_iso(asked_at))))
        if changes:
            await store.rewrite_unanswered(changes)
            await self.core.db.scrub()
            log.info("minimised %d unanswered question(s) stored by an older version", len(changes))
        return len(changes)
