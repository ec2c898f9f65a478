"""Revisions, gaps and digests: all SQL for moderation lives here.

The revisions table is append-only in spirit: rows are inserted, and a decision only moves a row
out of ``pending``. Nothing here deletes a revision, so the audit trail cannot lose a step.

Every query takes the server it acts for and filters by it: one server's moderators can neither
see nor change another server's drafts, decisions, gaps or votes, whatever id they type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from bot.clock import from_iso, to_iso
from bot.db import Database
from bot.db.database import Row, Transaction
from bot.faq.models import FaqEntry, FrontMatter
from bot.faq.review import months_after

RevisionKind = Literal["create", "edit", "retire"]
RevisionStatus = Literal["pending", "approved", "rejected", "superseded"]

_COLUMNS = (
    "id, entry_id, kind, status, pack, front_matter, body, changes, base_text, base_hash, file_hash, "
    "guild_id, author_id, author_name, proposed_at, decided_by_id, decided_by_name, decided_at, reason"
)


def one_year_after(day: date) -> date:
    """The review date a year on (28 February when the year after has no 29th)."""
    return months_after(day, 12)


def build_entry(front_matter: Mapping[str, Any], body: str, pack: str) -> FaqEntry:
    """The entry a revision publishes, exactly as written. Approving a revision does not move its
    review dates: only a sign-off does (an alias edit or a restore is not a review)."""
    return FaqEntry(meta=FrontMatter.model_validate(dict(front_matter)), body=body, pack=pack, origin="database")


@dataclass(slots=True, frozen=True)
class NewRevision:
    """A revision about to be stored (a proposal or a retirement)."""

    entry_id: str
    kind: RevisionKind
    pack: str
    front_matter: dict[str, Any]
    body: str
    changes: str
    base_text: str | None
    base_hash: str | None
    file_hash: str | None
    guild_id: int | None
    author_id: int
    author_name: str


@dataclass(slots=True, frozen=True)
class Revision:
    """One stored revision of an entry in one server, with its decision."""

    id: int
    entry_id: str
    kind: RevisionKind
    status: RevisionStatus
    pack: str
    front_matter: dict[str, Any]
    body: str
    changes: str
    base_text: str | None
    base_hash: str | None
    file_hash: str | None
    guild_id: int | None
    author_id: int
    author_name: str
    proposed_at: datetime
    decided_by_id: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    reason: str | None

    @classmethod
    def from_row(cls, row: Row) -> Revision:
        return cls(
            id=int(row["id"]), entry_id=row["entry_id"], kind=row["kind"], status=row["status"],
            pack=row["pack"], front_matter=json.loads(row["front_matter"]), body=row["body"],
            changes=row["changes"], base_text=row["base_text"], base_hash=row["base_hash"],
            file_hash=row["file_hash"], guild_id=row["guild_id"], author_id=int(row["author_id"]),
            author_name=row["author_name"], proposed_at=from_iso(row["proposed_at"]),
            decided_by_id=row["decided_by_id"], decided_by_name=row["decided_by_name"],
            decided_at=from_iso(row["decided_at"]) if row["decided_at"] else None, reason=row["reason"],
        )

    def entry(self) -> FaqEntry:
        """The entry as it reads (pending) or as it was published (approved)."""
        return build_entry(self.front_matter, self.body, self.pack)


@dataclass(slots=True, frozen=True)
class GapRow:
    """Unanswered questions grouped by their normalised words; ``row_id`` is the latest asking."""

    row_id: int
    normalized: str
    question: str
    count: int
    last_seen: datetime


@dataclass(slots=True, frozen=True)
class VoteCount:
    """Helpful and unhelpful ratings of one entry."""

    entry_id: str
    helpful: int
    not_helpful: int


class ModerationStore:
    """Revisions, decisions and gaps, each scoped to one server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- revisions --------------------------------------------------------------------------

    @staticmethod
    async def _insert(tx: Transaction, new: NewRevision, status: RevisionStatus, at: datetime,
                      decided: tuple[int, str, str | None] | None) -> int:
        by_id, by_name, reason = decided if decided is not None else (None, None, None)
        return await tx.insert(
            "INSERT INTO faq_revisions (entry_id, kind, status, pack, front_matter, body, changes, base_text, "
            "base_hash, file_hash, guild_id, author_id, author_name, proposed_at, decided_by_id, "
            "decided_by_name, decided_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.entry_id, new.kind, status, new.pack, json.dumps(new.front_matter, ensure_ascii=False),
                new.body, new.changes, new.base_text, new.base_hash, new.file_hash, new.guild_id,
                new.author_id, new.author_name, to_iso(at), by_id, by_name,
                to_iso(at) if decided is not None else None, reason,
            ),
        )

    @staticmethod
    async def _supersede(tx: Transaction, guild_id: int | None, entry_id: str, keep: int, by_id: int,
                         by_name: str, at: datetime) -> list[int]:
        rows = await tx.fetchall(
            "SELECT id FROM faq_revisions WHERE guild_id = ? AND entry_id = ? AND status = 'pending' AND id <> ? "
            "ORDER BY id",
            (guild_id, entry_id, keep),
        )
        ids = [int(r["id"]) for r in rows]
        for old in ids:
            await tx.execute(
                "UPDATE faq_revisions SET status = 'superseded', decided_by_id = ?, decided_by_name = ?, "
                "decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'",
                (by_id, by_name, to_iso(at), f"replaced by #{keep}", old),
            )
        return ids

    async def add_pending(self, new: NewRevision, at: datetime) -> tuple[int, list[int]]:
        """Store a draft; older drafts of the same entry become 'superseded' (and stay in history).
        Returns the new revision id and the ids it superseded."""
        async with self.db.transaction() as tx:
            rev_id = await self._insert(tx, new, "pending", at, None)
            superseded = await self._supersede(tx, new.guild_id, new.entry_id, rev_id, new.author_id,
                                               new.author_name, at)
        return rev_id, superseded

    async def add_approved(self, new: NewRevision, at: datetime, reason: str) -> tuple[int, list[int]]:
        """Store a change that takes effect at once (a retirement), decided by its author."""
        async with self.db.transaction() as tx:
            rev_id = await self._insert(tx, new, "approved", at, (new.author_id, new.author_name, reason))
            superseded = await self._supersede(tx, new.guild_id, new.entry_id, rev_id, new.author_id,
                                               new.author_name, at)
        return rev_id, superseded

    async def decide(self, guild_id: int | None, rev_id: int, status: RevisionStatus, by_id: int, by_name: str,
                     at: datetime, reason: str | None = None) -> bool:
        """Move a pending revision of this server to ``status``; False when someone else decided
        it first (or it belongs to another server)."""
        changed = await self.db.execute(
            "UPDATE faq_revisions SET status = ?, decided_by_id = ?, decided_by_name = ?, decided_at = ?, "
            "reason = ? WHERE id = ? AND guild_id = ? AND status = 'pending'",
            (status, by_id, by_name, to_iso(at), reason, rev_id, guild_id),
        )
        return changed == 1

    async def get(self, guild_id: int | None, rev_id: int) -> Revision | None:
        """A revision of this server; another server's revision is not found."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM faq_revisions WHERE id = ? AND guild_id = ?",
                                     (rev_id, guild_id))
        return None if row is None else Revision.from_row(row)

    async def pending(self, guild_id: int | None, limit: int = 100) -> list[Revision]:
        """This server's drafts waiting for review, oldest first (the longest wait is looked at first)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM faq_revisions WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT ?",
            (guild_id, limit),
        )
        return [Revision.from_row(r) for r in rows]

    async def pending_count(self, guild_id: int | None) -> int:
        return int(await self.db.fetchval(
            "SELECT COUNT(*) FROM faq_revisions WHERE guild_id = ? AND status = 'pending'", (guild_id,)) or 0)

    async def pending_for(self, guild_id: int | None, entry_id: str) -> Revision | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM faq_revisions WHERE guild_id = ? AND entry_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            (guild_id, entry_id),
        )
        return None if row is None else Revision.from_row(row)

    async def history(self, guild_id: int | None, entry_id: str) -> list[Revision]:
        """Every revision of an entry in this server, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM faq_revisions WHERE guild_id = ? AND entry_id = ? ORDER BY id DESC",
            (guild_id, entry_id),
        )
        return [Revision.from_row(r) for r in rows]

    async def count_all(self, guild_id: int | None) -> int:
        return int(await self.db.fetchval("SELECT COUNT(*) FROM faq_revisions WHERE guild_id = ?", (guild_id,)) or 0)

    async def latest_approved(self, guild_id: int | None) -> list[Revision]:
        """The last approved revision of each entry in this server, in the order they were decided."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM faq_revisions WHERE guild_id = ? AND status = 'approved' "
            "ORDER BY entry_id, decided_at, id",
            (guild_id,),
        )
        latest: dict[str, Revision] = {}
        for row in rows:
            revision = Revision.from_row(row)
            latest[revision.entry_id] = revision
        return sorted(latest.values(), key=lambda r: r.id)

    async def guilds_with_revisions(self) -> list[int]:
        """Servers with approved revisions (to build each server's view at start-up)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id FROM faq_revisions WHERE status = 'approved' AND guild_id IS NOT NULL "
            "ORDER BY guild_id"
        )
        return [int(r["guild_id"]) for r in rows]

    async def entry_ids(self, guild_id: int | None) -> set[str]:
        rows = await self.db.fetchall("SELECT DISTINCT entry_id FROM faq_revisions WHERE guild_id = ?", (guild_id,))
        return {r["entry_id"] for r in rows}

    # -- gaps and feedback --------------------------------------------------------------------

    async def gaps(self, guild_id: int | None, since: datetime, limit: int = 10) -> list[GapRow]:
        """The most asked unanswered questions in a server, with the words of the latest asking."""
        rows = await self.db.fetchall(
            "SELECT g.normalized, g.n, g.last_seen, g.row_id, q.question FROM ("
            "  SELECT normalized, COUNT(*) AS n, MAX(asked_at) AS last_seen, MAX(id) AS row_id"
            "  FROM unanswered_questions u WHERE asked_at >= ? AND guild_id = ?"
            "  AND NOT EXISTS (SELECT 1 FROM faq_gap_dismissals d WHERE d.guild_id = u.guild_id"
            "                  AND d.normalized = u.normalized)"
            "  GROUP BY normalized"
            ") g JOIN unanswered_questions q ON q.id = g.row_id "
            "ORDER BY g.n DESC, g.last_seen DESC LIMIT ?",
            (to_iso(since), guild_id, limit),
        )
        return [GapRow(int(r["row_id"]), r["normalized"], r["question"], int(r["n"]), from_iso(r["last_seen"]))
                for r in rows]

    async def unanswered(self, guild_id: int | None, row_id: int) -> tuple[str, str] | None:
        """(words, normalised words) of one of this server's unanswered questions; there is no member
        id to return, and another server's question is not found."""
        row = await self.db.fetchone(
            "SELECT question, normalized FROM unanswered_questions WHERE id = ? AND guild_id = ?", (row_id, guild_id))
        return None if row is None else (row["question"], row["normalized"])

    async def dismiss_gap(self, guild_id: int, normalized: str, by_id: int, at: datetime) -> bool:
        """Hide an unanswered question (by its normalised words) from this server's gaps."""
        changed = await self.db.execute(
            "INSERT INTO faq_gap_dismissals (guild_id, normalized, dismissed_by_id, dismissed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, normalized) DO NOTHING",
            (guild_id, normalized, by_id, to_iso(at)),
        )
        return changed == 1

    async def not_helpful(self, guild_id: int | None, limit: int = 5) -> list[VoteCount]:
        """Entries with the most "Not helpful" votes from a server's members."""
        rows = await self.db.fetchall(
            "SELECT entry_id, SUM(helpful) AS up, SUM(1 - helpful) AS down FROM faq_feedback "
            "WHERE guild_id = ? "
            "GROUP BY entry_id HAVING SUM(1 - helpful) > 0 ORDER BY down DESC, entry_id LIMIT ?",
            (guild_id or 0, limit),
        )
        return [VoteCount(r["entry_id"], int(r["up"]), int(r["down"])) for r in rows]

    async def votes_since(self, guild_id: int | None, since: datetime) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(helpful), 0) AS up, COALESCE(SUM(1 - helpful), 0) AS down FROM faq_feedback "
            "WHERE voted_at >= ? AND guild_id = ?",
            (to_iso(since), guild_id or 0),
        )
        return (int(row["up"]), int(row["down"])) if row is not None else (0, 0)

    # -- weekly digest ------------------------------------------------------------------------

    async def audit_channels(self) -> list[tuple[int, int]]:
        """(server, audit channel) for every server that configured one."""
        rows = await self.db.fetchall(
            "SELECT guild_id, audit_channel_id FROM guild_settings WHERE audit_channel_id IS NOT NULL ORDER BY guild_id"
        )
        return [(int(r["guild_id"]), int(r["audit_channel_id"])) for r in rows]

    async def claim_digest(self, guild_id: int, now: datetime, sent_before: datetime) -> bool:
        """Record that a digest goes out now, unless one went out after ``sent_before``.
        One statement, so two processes (or a restart) can never both claim the same week."""
        changed = await self.db.execute(
            "INSERT INTO moderation_digests (guild_id, last_sent_at) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET last_sent_at = excluded.last_sent_at "
            "WHERE moderation_digests.last_sent_at <= ?",
            (guild_id, to_iso(now), to_iso(sent_before)),
        )
        return changed == 1

    async def last_digest(self, guild_id: int) -> datetime | None:
        value = await self.db.fetchval("SELECT last_sent_at FROM moderation_digests WHERE guild_id = ?", (guild_id,))
        return from_iso(value) if value else None
