"""Sign-offs: all SQL for a server's moderators marking entries as reviewed.

A row records what was checked (``review_hash``), by whom and until when. Protected entries need a
second moderator, so their row is ``pending`` until someone else confirms it. Rows are never
deleted; a newer sign-off of the same entry supersedes the older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import from_iso, to_iso
from bot.db import Database
from bot.db.database import Row
from bot.faq.review import SignOff

_COLUMNS = ("id, guild_id, entry_id, review_hash, status, first_by_id, first_by_name, first_at, second_by_id, "
            "second_by_name, second_at, reviewed_on, review_due")


@dataclass(slots=True, frozen=True)
class SignOffRow:
    """One server's sign-off of one entry's text."""

    id: int
    guild_id: int
    entry_id: str
    review_hash: str
    status: str
    first_by_id: int
    first_by_name: str
    first_at: datetime
    second_by_id: int | None
    second_by_name: str | None
    reviewed_on: date
    review_due: date

    @classmethod
    def from_row(cls, row: Row) -> SignOffRow:
        return cls(int(row["id"]), int(row["guild_id"]), row["entry_id"], row["review_hash"], row["status"],
                   int(row["first_by_id"]), row["first_by_name"], from_iso(row["first_at"]),
                   row["second_by_id"], row["second_by_name"], date.fromisoformat(row["reviewed_on"]),
                   date.fromisoformat(row["review_due"]))

    def signoff(self) -> SignOff:
        return SignOff(self.entry_id, self.review_hash, self.first_by_name, self.reviewed_on, self.review_due,
                       self.second_by_name)


class SignOffStore:
    """Sign-offs per server (what text was reviewed, by whom, when)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def signed(self) -> dict[int, dict[str, SignOff]]:
        """Every server's latest completed sign-off of each entry."""
        rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM faq_signoffs WHERE status = 'signed' ORDER BY id")
        found: dict[int, dict[str, SignOff]] = {}
        for row in rows:
            item = SignOffRow.from_row(row)
            found.setdefault(item.guild_id, {})[item.entry_id] = item.signoff()
        return found

    async def signed_in(self, guild_id: int) -> dict[str, SignOffRow]:
        """One server's latest completed sign-off of each entry (for export)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM faq_signoffs WHERE guild_id = ? AND status = 'signed' ORDER BY id", (guild_id,))
        return {r.entry_id: r for r in map(SignOffRow.from_row, rows)}

    async def pending_for(self, guild_id: int, entry_id: str) -> SignOffRow | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM faq_signoffs WHERE guild_id = ? AND entry_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1", (guild_id, entry_id))
        return None if row is None else SignOffRow.from_row(row)

    async def add(self, guild_id: int, entry_id: str, review_hash: str, by_id: int, by_name: str, at: datetime,
                  reviewed_on: date, review_due: date, *, complete: bool,
                  second: tuple[int, str] | None = None) -> int:
        """Record a sign-off (``complete``) or the first half of a two-person one; older rows of the
        same entry in this server are superseded in the same transaction."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE faq_signoffs SET status = 'superseded' WHERE guild_id = ? AND entry_id = ? "
                "AND status = 'pending'", (guild_id, entry_id))
            second_id, second_name = second if second is not None else (None, None)
            return await tx.insert(
                "INSERT INTO faq_signoffs (guild_id, entry_id, review_hash, status, first_by_id, first_by_name, "
                "first_at, second_by_id, second_by_name, second_at, reviewed_on, review_due) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, entry_id, review_hash, "signed" if complete else "pending", by_id, by_name, to_iso(at),
                 second_id, second_name, to_iso(at) if second is not None else None, reviewed_on.isoformat(),
                 review_due.isoformat()),
            )

    async def confirm(self, guild_id: int, row_id: int, by_id: int, by_name: str, at: datetime) -> bool:
        """The second moderator completes a pending sign-off; False if it was already decided, is
        another server's, or would be the same person twice."""
        changed = await self.db.execute(
            "UPDATE faq_signoffs SET status = 'signed', second_by_id = ?, second_by_name = ?, second_at = ? "
            "WHERE id = ? AND guild_id = ? AND status = 'pending' AND first_by_id <> ?",
            (by_id, by_name, to_iso(at), row_id, guild_id, by_id),
        )
        return changed == 1
