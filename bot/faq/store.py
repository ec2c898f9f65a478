"""FAQ usage, unanswered questions and feedback: all SQL for the FAQ feature lives here."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.clock import Clock, to_iso
from bot.crypto import Keyring, is_encrypted
from bot.db import Database

log = logging.getLogger(__name__)


EVENT_BATCH = 200
EVENT_MAX_AGE_S = 2.0


class FaqStore:
    """FAQ statistics, answer ratings (under a one-way code) and unanswered questions."""

    def __init__(self, db: Database, clock: Clock, salt: Callable[[], Awaitable[bytes]], keyring: Keyring) -> None:
        self.db = db
        self.clock = clock
        self._salt_source = salt
        self.keyring = keyring
        self._events: list[tuple[int | None, str, str | None, str]] = []
        self._oldest: float = 0.0
        self._flushing: asyncio.Task[None] | None = None

    async def voter_hash(self, user_id: int) -> str:
        """A keyed hash: the same member always maps to the same value, which cannot be turned
        back into their id without the salt (stored encrypted with the data key, never logged)."""
        return hmac.new(await self._salt_source(), str(user_id).encode(), hashlib.sha256).hexdigest()

    async def record_event(self, kind: str, entry_id: str | None, guild_id: int | None) -> None:
        """Count an answer for moderators' statistics. Events are written in batches (at most
        2 s or 200 events late): they are never promised to anyone, and a disk flush per answer
        would halve how many members the bot can answer at once."""
        if not self._events:
            self._oldest = time.monotonic()
        self._events.append((guild_id, kind, entry_id, to_iso(self.clock.now())))
        due = len(self._events) >= EVENT_BATCH or time.monotonic() - self._oldest >= EVENT_MAX_AGE_S
        if due and (self._flushing is None or self._flushing.done()):
            # In the background: the member's answer never waits for a statistics write.
            self._flushing = asyncio.get_running_loop().create_task(self.flush_events())

    async def drain(self) -> None:
        """Write every event still held (on shutdown)."""
        if self._flushing is not None:
            await self._flushing
        await self.flush_events()

    async def flush_events(self) -> None:
        if not self._events:
            return
        batch, self._events = self._events, []
        try:
            async with self.db.transaction() as tx:
                await tx.executemany("INSERT INTO faq_events (guild_id, kind, entry_id, at) VALUES (?, ?, ?, ?)",
                                     batch)
        except Exception:
            log.exception("could not write %d FAQ statistics events", len(batch))

    def day_of(self, moment: datetime) -> str:
        """Timestamps of unanswered questions are rounded down to the day (UTC), so they cannot be
        lined up with the statistics events of the same answer."""
        start = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return to_iso(start)

    @staticmethod
    def _question_context(guild_id: int | None) -> str:
        return f"unanswered_questions.question:{guild_id if guild_id is not None else '-'}"

    async def question_key(self, normalized: str) -> str:
        """What repeats are grouped by: a keyed hash of the normalised words, so the column
        reveals nothing without the data key (the salt is stored encrypted)."""
        salt = await self._salt_source()
        return hmac.new(salt, b"unanswered question\x00" + normalized.encode(), hashlib.sha256).hexdigest()[:32]

    def open_question(self, stored: str, guild_id: int | None) -> str:
        """The words of a stored question (encrypted at rest; older rows may still be plain)."""
        return self.keyring.decrypt(stored, self._question_context(guild_id)) if is_encrypted(stored) else stored

    async def save_unanswered(self, question: str, normalized: str, guild_id: int | None) -> int:
        """Keep the words of a question the FAQ could not answer (already redacted by the
        caller), encrypted; never who asked, and only the day it was asked."""
        return await self.db.insert(
            "INSERT INTO unanswered_questions (guild_id, normalized, question, asked_at) VALUES (?, ?, ?, ?)",
            (guild_id, await self.question_key(normalized), self.keyring.encrypt(question, self._question_context(guild_id)),
             self.day_of(self.clock.now())),
        )

    async def purge_unanswered(self, keep_days: int) -> int:
        """Delete unanswered questions older than ``keep_days`` (the retention setting)."""
        cutoff = self.day_of(self.clock.now() - timedelta(days=keep_days))
        return await self.db.execute("DELETE FROM unanswered_questions WHERE asked_at < ?", (cutoff,))

    async def plain_unanswered(self) -> list[tuple[int, int | None, str, str]]:
        """(id, server, words, asked_at) of rows stored by a version without encryption."""
        rows = await self.db.fetchall("SELECT id, guild_id, question, asked_at FROM unanswered_questions ORDER BY id")
        return [(int(r["id"]), r["guild_id"], r["question"], r["asked_at"]) for r in rows
                if not is_encrypted(r["question"])]

    async def rewrite_unanswered(self, changes: list[tuple[int, int | None, str, str, str]]) -> None:
        """(id, server, question, normalized, asked_at) for rows stored before minimisation existed."""
        rows = [(self.keyring.encrypt(question, self._question_context(guild_id)), await self.question_key(normalized),
                 asked_at, row_id) for row_id, guild_id, question, normalized, asked_at in changes]
        async with self.db.transaction() as tx:
            for row in rows:
                await tx.execute("UPDATE unanswered_questions SET question = ?, normalized = ?, asked_at = ? "
                                 "WHERE id = ?", row)

    async def reencrypt(self) -> int:
        """Re-encrypt every stored question not under the current key (key rotation)."""
        rows = await self.db.fetchall("SELECT id, guild_id, question FROM unanswered_questions")
        stale = [r for r in rows if is_encrypted(r["question"]) and not self.keyring.is_current(r["question"])]
        async with self.db.transaction() as tx:
            for r in stale:
                context = self._question_context(r["guild_id"])
                await tx.execute("UPDATE unanswered_questions SET question = ? WHERE id = ?",
                                 (self.keyring.encrypt(self.keyring.decrypt(r["question"], context), context), r["id"]))
        return len(stale)

    async def dismiss_unanswered(self, row_id: int, guild_id: int | None) -> int:
        """A moderator dismissed a question: it and every asking of the same words in that server go."""
        row = await self.db.fetchone("SELECT normalized FROM unanswered_questions WHERE id = ? AND "
                                     "guild_id IS NOT DISTINCT FROM ?", (row_id, guild_id))
        if row is None:
            return 0
        return await self.db.execute(
            "DELETE FROM unanswered_questions WHERE normalized = ? AND guild_id IS NOT DISTINCT FROM ?",
            (row["normalized"], guild_id),
        )

    async def votes_export(self, user_id: int) -> list[dict[str, object]]:
        voter = await self.voter_hash(user_id)
        rows = await self.db.fetchall("SELECT entry_id, helpful, voted_at FROM faq_feedback WHERE voter_hash = ? "
                                      "ORDER BY entry_id", (voter,))
        return [{"entry_id": r["entry_id"], "helpful": bool(r["helpful"]), "voted_at": r["voted_at"]} for r in rows]

    async def vote(self, entry_id: str, user_id: int, helpful: bool, guild_id: int | None) -> bool:
        """Record or change a member's vote; return True when it was their first vote on it."""
        voter = await self.voter_hash(user_id)
        async with self.db.transaction() as tx:
            # Votes are per server (0: a direct message): a vote in one server never moves another's.
            scope = guild_id or 0
            existed = await tx.fetchone(
                "SELECT helpful FROM faq_feedback WHERE guild_id = ? AND entry_id = ? AND voter_hash = ?",
                (scope, entry_id, voter),
            )
            await tx.execute(
                "INSERT INTO faq_feedback (entry_id, voter_hash, helpful, guild_id, voted_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, entry_id, voter_hash) DO UPDATE SET helpful = excluded.helpful, "
                "voted_at = excluded.voted_at",
                (entry_id, voter, int(helpful), scope, to_iso(self.clock.now())),
            )
        return existed is None

    async def votes_by(self, user_id: int) -> int:
        voter = await self.voter_hash(user_id)
        return int(await self.db.fetchval("SELECT COUNT(*) FROM faq_feedback WHERE voter_hash = ?", (voter,)) or 0)

    async def delete_votes_by(self, user_id: int) -> int:
        voter = await self.voter_hash(user_id)
        return await self.db.execute("DELETE FROM faq_feedback WHERE voter_hash = ?", (voter,))

    async def event_counts(self, since: datetime, guild_id: int | None) -> dict[str, int]:
        """Events of one server (``None``: direct messages) since ``since``, by kind."""
        await self.flush_events()
        rows = await self.db.fetchall(
            "SELECT kind, COUNT(*) AS n FROM faq_events WHERE at >= ? AND guild_id IS NOT DISTINCT FROM ? GROUP BY kind",
            (to_iso(since), guild_id),
        )
        return {r["kind"]: int(r["n"]) for r in rows}

    async def top_entries(self, since: datetime, limit: int, guild_id: int | None) -> list[tuple[str, int]]:
        """One server's most answered entries (``None``: direct messages) since ``since``."""
        await self.flush_events()
        rows = await self.db.fetchall(
            "SELECT entry_id, COUNT(*) AS n FROM faq_events WHERE kind = 'answer' AND at >= ? "
            "AND guild_id IS NOT DISTINCT FROM ? GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
            (to_iso(since), guild_id, limit),
        )
        return [(r["entry_id"], int(r["n"])) for r in rows]
