"""All SQL for check-ins. Every query is keyed by the member's own id: there is no method that
lists or reads another member's check-ins, so no command can expose them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime

from bot.checkins.models import CheckIn
from bot.clock import Clock, from_iso, to_iso
from bot.crypto import PREFIX, Keyring, is_encrypted
from bot.db import Database

BATCH_MAX = 200  # check-ins per group-commit transaction

_FIELDS = ("pain", "fatigue", "sleep", "fog", "mood", "flare", "note")


_Queued = tuple[int, CheckIn, "str | None", "asyncio.Future[bool]"]


def _settle(future: asyncio.Future[bool], result: bool = False, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


@dataclass(slots=True, frozen=True)
class Member:
    """A member who agreed to check-ins: zone, reminder, state and retention."""

    user_id: int
    guild_id: int | None
    timezone: str
    reminder_time: str | None  # "HH:MM"
    next_reminder_at: datetime | None
    last_reminded_day: date | None
    dm_closed: bool
    active: bool
    retention_days: int | None = None  # None: kept until the member deletes them


def _member(row: object) -> Member:
    r = row  # a Row: by column name on both backends
    return Member(
        user_id=int(r["user_id"]),  # type: ignore[index]
        guild_id=r["guild_id"],  # type: ignore[index]
        timezone=r["timezone"],  # type: ignore[index]
        reminder_time=r["reminder_time"],  # type: ignore[index]
        next_reminder_at=from_iso(r["next_reminder_at"]) if r["next_reminder_at"] else None,  # type: ignore[index]
        last_reminded_day=date.fromisoformat(r["last_reminded_day"]) if r["last_reminded_day"] else None,  # type: ignore[index]
        dm_closed=bool(r["dm_closed"]),  # type: ignore[index]
        active=bool(r["active"]),  # type: ignore[index]
        retention_days=r["retention_days"],  # type: ignore[index]
    )


def note_context(user_id: int) -> str:
    """Associated data of a note's ciphertext: it opens only in its own member's row."""
    return f"checkins.note:{int(user_id)}"


class CheckinStore:
    """Notes are encrypted with the data key before they reach SQL and decrypted after."""

    def __init__(self, db: Database, clock: Clock, keyring: Keyring) -> None:
        self.db = db
        self.clock = clock
        self.keyring = keyring
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

    async def drain(self) -> None:
        """Wait until every queued check-in is committed (before closing the database)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _checkin(self, row: object, user_id: int) -> CheckIn:
        r = row
        flare = r["flare"]  # type: ignore[index]
        return CheckIn(
            day=date.fromisoformat(r["day"]),  # type: ignore[index]
            pain=r["pain"], fatigue=r["fatigue"], sleep=r["sleep"], fog=r["fog"], mood=r["mood"],  # type: ignore[index]
            flare=None if flare is None else bool(flare),
            note=self.keyring.decrypt_optional(r["note"], note_context(user_id)),  # type: ignore[index]
        )

    async def member(self, user_id: int) -> Member | None:
        row = await self.db.fetchone("SELECT * FROM checkin_members WHERE user_id = ?", (user_id,))
        return None if row is None else _member(row)

    async def enroll(self, user_id: int, guild_id: int | None, timezone: str, reminder_time: str | None,
                     next_reminder_at: datetime | None) -> None:
        now = to_iso(self.clock.now())
        await self.db.execute(
            "INSERT INTO checkin_members (user_id, guild_id, timezone, reminder_time, next_reminder_at, dm_closed, "
            "active, consented_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET guild_id = excluded.guild_id, timezone = excluded.timezone, "
            "reminder_time = excluded.reminder_time, next_reminder_at = excluded.next_reminder_at, dm_closed = 0, "
            "active = 1, updated_at = excluded.updated_at",
            (user_id, guild_id, timezone, reminder_time, to_iso(next_reminder_at) if next_reminder_at else None, now, now),
        )

    async def set_reminder(self, user_id: int, reminder_time: str | None, next_at: datetime | None) -> None:
        await self.db.execute(
            "UPDATE checkin_members SET reminder_time = ?, next_reminder_at = ?, dm_closed = 0, updated_at = ? "
            "WHERE user_id = ?",
            (reminder_time, to_iso(next_at) if next_at else None, to_iso(self.clock.now()), user_id),
        )

    async def set_timezone(self, user_id: int, timezone: str, next_at: datetime | None) -> None:
        await self.db.execute(
            "UPDATE checkin_members SET timezone = ?, next_reminder_at = ?, updated_at = ? WHERE user_id = ?",
            (timezone, to_iso(next_at) if next_at else None, to_iso(self.clock.now()), user_id),
        )

    async def deactivate(self, user_id: int) -> None:
        await self.db.execute(
            "UPDATE checkin_members SET active = 0, next_reminder_at = NULL, updated_at = ? WHERE user_id = ?",
            (to_iso(self.clock.now()), user_id),
        )

    async def save(self, user_id: int, checkin: CheckIn, zone: str | None = None) -> bool:
        """Store a check-in; answers given again the same day replace earlier ones, answers left
        out keep what was there. ``zone`` is the time zone the member logged it in (kept from the
        first save of that day). Returns True when it is the first check-in for that day.

        Group commit: saves that arrive while a transaction is being written wait and then go
        together in the next one (several members' check-ins, one fsync), so a burst costs a few
        commits instead of one each. Each call returns only after the transaction holding its
        check-in has committed: an acknowledged check-in survives a crash.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((user_id, checkin, zone, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        return await asyncio.shield(future)  # a cancelled caller never cancels others' commit

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
            try:
                results = await self._write(batch)
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][3], error=exc)
                    continue
                # The transaction rolled back. One bad row must not fail the others: retry one by one.
                for item in batch:
                    try:
                        [first] = await self._write([item])
                    except Exception as single:
                        _settle(item[3], error=single)
                    else:
                        _settle(item[3], first)
                continue
            for (*_, future), first in zip(batch, results, strict=True):
                _settle(future, first)

    async def _write(self, batch: list[_Queued]) -> list[bool]:
        """One transaction for the whole batch: which days already existed (one query), then
        every upsert (one executemany), then COMMIT."""
        now = to_iso(self.clock.now())
        updates = ", ".join(f"{f} = COALESCE(excluded.{f}, checkins.{f})" for f in _FIELDS)
        sql = (f"INSERT INTO checkins (user_id, day, {', '.join(_FIELDS)}, zone, created_at, updated_at) "
               f"VALUES (?, ?, {', '.join('?' for _ in _FIELDS)}, ?, ?, ?) "
               f"ON CONFLICT (user_id, day) DO UPDATE SET {updates}, "
               "zone = COALESCE(checkins.zone, excluded.zone), updated_at = excluded.updated_at")
        keys = [(user_id, checkin.day.isoformat()) for user_id, checkin, _, _ in batch]
        rows = []
        for (user_id, day), (_, checkin, zone, _) in zip(keys, batch, strict=True):
            values = [getattr(checkin, f) for f in _FIELDS]
            values[5] = None if checkin.flare is None else int(checkin.flare)
            values[6] = self.keyring.encrypt_optional(checkin.note, note_context(user_id))
            rows.append((user_id, day, *values, zone, now, now))
        unique = list(dict.fromkeys(keys))
        clause = " OR ".join("(user_id = ? AND day = ?)" for _ in unique)
        async with self.db.transaction() as tx:
            found = await tx.fetchall(f"SELECT user_id, day FROM checkins WHERE {clause}",
                                      [v for key in unique for v in key])
            await tx.executemany(sql, rows)
        seen = {(int(r[0]), r[1]) for r in found}
        results = []
        for key in keys:
            results.append(key not in seen)
            seen.add(key)
        return results

    async def day_zone(self, user_id: int, day: date) -> tuple[bool, str | None]:
        """Whether the member has a check-in for ``day``, and the zone it was logged in."""
        row = await self.db.fetchone("SELECT zone FROM checkins WHERE user_id = ? AND day = ?",
                                     (user_id, day.isoformat()))
        return (False, None) if row is None else (True, row[0])

    async def days(self, user_id: int) -> list[date]:
        rows = await self.db.fetchall("SELECT day FROM checkins WHERE user_id = ? ORDER BY day", (user_id,))
        return [date.fromisoformat(r[0]) for r in rows]

    async def has_checkin(self, user_id: int, day: date) -> bool:
        return await self.db.fetchone("SELECT 1 FROM checkins WHERE user_id = ? AND day = ?",
                                      (user_id, day.isoformat())) is not None

    async def checkins(self, user_id: int, since: date | None = None) -> list[CheckIn]:
        rows = await self.db.fetchall(
            "SELECT * FROM checkins WHERE user_id = ? AND day >= ? ORDER BY day",
            (user_id, (since or date.min).isoformat()),
        )
        return [self._checkin(r, user_id) for r in rows]

    async def count(self, user_id: int) -> int:
        return int(await self.db.fetchval("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (user_id,)) or 0)

    async def pauses(self, user_id: int) -> list[tuple[date, date]]:
        rows = await self.db.fetchall(
            "SELECT start_day, end_day FROM checkin_pauses WHERE user_id = ? ORDER BY start_day", (user_id,)
        )
        return [(date.fromisoformat(r[0]), date.fromisoformat(r[1])) for r in rows]

    async def add_pause(self, user_id: int, start: date, end: date) -> None:
        await self.db.execute(
            "INSERT INTO checkin_pauses (user_id, start_day, end_day) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, start_day) DO UPDATE SET end_day = excluded.end_day",
            (user_id, start.isoformat(), end.isoformat()),
        )

    async def end_pauses(self, user_id: int, today: date) -> int:
        """End every pause still running: it now ends yesterday (or is dropped if it began today)."""
        yesterday = date.fromordinal(today.toordinal() - 1).isoformat()
        async with self.db.transaction() as tx:
            dropped = await tx.execute(
                "DELETE FROM checkin_pauses WHERE user_id = ? AND start_day >= ?", (user_id, today.isoformat())
            )
            ended = await tx.execute(
                "UPDATE checkin_pauses SET end_day = ? WHERE user_id = ? AND end_day >= ?",
                (yesterday, user_id, today.isoformat()),
            )
        return dropped + ended

    # -- reminders ------------------------------------------------------------------------------

    async def claim_due_reminders(self, now: datetime, worker: str, lease_until: datetime,
                                  limit: int = 200) -> list[Member]:
        """Claim up to ``limit`` due reminders for ``worker`` until ``lease_until``, in one statement.

        Several processes may scan at once: on PostgreSQL the inner ``SELECT … FOR UPDATE SKIP
        LOCKED`` lets each take rows no other is taking, without waiting; SQLite runs one writer
        at a time, so the same statement is already exclusive there. A row whose lease has run
        out (its process died between claim and send) is due again and claimed by someone else."""
        moment = to_iso(now)
        rows = await self.db.fetchall(
            "UPDATE checkin_members SET claimed_by = ?, lease_until = ? WHERE user_id IN ("
            "SELECT user_id FROM checkin_members WHERE next_reminder_at IS NOT NULL AND next_reminder_at <= ? "
            "AND active = 1 AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_reminder_at LIMIT ?"
            f"{self._skip_locked}) RETURNING *",
            (worker, to_iso(lease_until), moment, moment, limit),
        )
        return [_member(r) for r in rows]

    async def renew_claims(self, worker: str, user_ids: list[int], lease_until: datetime) -> int:
        """Extend this worker's claims that it still holds; returns how many."""
        if not user_ids:
            return 0
        marks = ", ".join("?" for _ in user_ids)
        return await self.db.execute(
            f"UPDATE checkin_members SET lease_until = ? WHERE claimed_by = ? AND user_id IN ({marks})",
            (to_iso(lease_until), worker, *user_ids),
        )

    @property
    def _skip_locked(self) -> str:
        """The row-locking clause of a queue claim; SQLite has none (and needs none)."""
        return " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""

    async def checked_in(self, wanted: dict[int, date]) -> set[int]:
        """Which of these members already checked in on the given local day (one query)."""
        if not wanted:
            return set()
        pairs = list(wanted.items())
        clause = " OR ".join("(user_id = ? AND day = ?)" for _ in pairs)
        rows = await self.db.fetchall(f"SELECT user_id FROM checkins WHERE {clause}",
                                      [v for user, day in pairs for v in (user, day.isoformat())])
        return {int(r[0]) for r in rows}

    async def finish_reminders(self, worker: str,
                               done: list[tuple[int, datetime, date | None, datetime | None]]) -> set[int]:
        """Move claimed reminders on and drop the claims, in one transaction: for each
        ``(user, claimed time, day reminded or None, next time)``. Only a row this worker still
        holds, at the time it claimed, changes; if the lease ran out and another process took the
        row over, that process finishes it. Returns the members whose row moved on."""
        won: set[int] = set()
        async with self.db.transaction() as tx:
            for user_id, expected_at, day, next_at in done:
                changed = await tx.execute(
                    "UPDATE checkin_members SET next_reminder_at = ?, "
                    "last_reminded_day = COALESCE(?, last_reminded_day), claimed_by = NULL, lease_until = NULL "
                    "WHERE user_id = ? AND claimed_by = ? AND next_reminder_at = ?",
                    (to_iso(next_at) if next_at else None, day.isoformat() if day else None, user_id, worker,
                     to_iso(expected_at)),
                )
                if changed == 1:
                    won.add(user_id)
        return won

    async def mark_dms_closed(self, user_id: int) -> None:
        await self.db.execute(
            "UPDATE checkin_members SET dm_closed = 1, reminder_time = NULL, next_reminder_at = NULL, "
            "claimed_by = NULL, lease_until = NULL, updated_at = ? WHERE user_id = ?",
            (to_iso(self.clock.now()), user_id),
        )

    async def clear_dm_notice(self, user_id: int) -> None:
        await self.db.execute("UPDATE checkin_members SET dm_closed = 0 WHERE user_id = ?", (user_id,))

    # -- retention and export --------------------------------------------------------------------

    async def set_retention(self, user_id: int, days: int | None) -> None:
        await self.db.execute("UPDATE checkin_members SET retention_days = ?, updated_at = ? WHERE user_id = ?",
                              (days, to_iso(self.clock.now()), user_id))

    async def retention_members(self) -> list[Member]:
        rows = await self.db.fetchall("SELECT * FROM checkin_members WHERE retention_days IS NOT NULL")
        return [_member(r) for r in rows]

    async def delete_before(self, cutoffs: list[tuple[int, date]]) -> int:
        """Check-ins (and finished pauses) older than each member's first kept day, in one
        transaction (one disk flush for the whole hourly purge)."""
        count = 0
        async with self.db.transaction() as tx:
            for user_id, day in cutoffs:
                count += await tx.execute("DELETE FROM checkins WHERE user_id = ? AND day < ?",
                                          (user_id, day.isoformat()))
                await tx.execute("DELETE FROM checkin_pauses WHERE user_id = ? AND end_day < ?",
                                 (user_id, day.isoformat()))
        return count

    async def export_rows(self, user_id: int) -> dict[str, object] | None:
        """Every row stored about the member, every column, notes decrypted (for /mydata export)."""
        member = await self.db.fetchone("SELECT * FROM checkin_members WHERE user_id = ?", (user_id,))
        if member is None:
            return None
        checkins = []
        for row in await self.db.fetchall("SELECT * FROM checkins WHERE user_id = ? ORDER BY day", (user_id,)):
            item = {k: row[k] for k in row.keys() if k != "user_id"}  # noqa: SIM118 (a Row iterates values)
            item["note"] = self.keyring.decrypt_optional(row["note"], note_context(user_id))
            item["flare"] = None if row["flare"] is None else bool(row["flare"])
            checkins.append(item)
        pauses = await self.db.fetchall("SELECT start_day, end_day FROM checkin_pauses WHERE user_id = ? "
                                        "ORDER BY start_day", (user_id,))
        settings = {k: member[k] for k in member.keys() if k != "user_id"}  # noqa: SIM118
        for flag in ("active", "dm_closed"):
            settings[flag] = bool(settings[flag])
        return {"settings": settings, "checkins": checkins,
                "pauses": [{"start_day": p["start_day"], "end_day": p["end_day"]} for p in pauses]}

    # -- encryption at rest -----------------------------------------------------------------------

    async def encrypt_plaintext(self) -> int:
        """Encrypt, in place, notes written by a version that stored them as plain text."""
        rows = await self.db.fetchall("SELECT user_id, day, note FROM checkins WHERE note IS NOT NULL "
                                      "AND note NOT LIKE ?", (f"{PREFIX}%",))
        plain = [r for r in rows if not is_encrypted(r["note"])]
        if not plain:
            return 0
        updates = [(self.keyring.encrypt(r["note"], note_context(r["user_id"])), r["user_id"], r["day"]) for r in plain]
        async with self.db.transaction() as tx:
            await tx.executemany("UPDATE checkins SET note = ? WHERE user_id = ? AND day = ?", updates)
        return len(plain)

    async def reencrypt(self) -> int:
        """Re-encrypt every note not yet under the current key (key rotation)."""
        rows = await self.db.fetchall("SELECT user_id, day, note FROM checkins WHERE note IS NOT NULL "
                                      "AND note NOT LIKE ?", (f"{PREFIX}{self.keyring.current_id}:%",))
        stale = [r for r in rows if not self.keyring.is_current(r["note"])]
        updates = []
        for r in stale:
            context = note_context(r["user_id"])
            note = r["note"]
            plain = self.keyring.decrypt(note, context) if is_encrypted(note) else note
            updates.append((self.keyring.encrypt(plain, context), r["user_id"], r["day"]))
        async with self.db.transaction() as tx:
            await tx.executemany("UPDATE checkins SET note = ? WHERE user_id = ? AND day = ?", updates)
        return len(stale)

    async def delete_member(self, user_id: int) -> int:
        """Everything about the member, for real: their rows are deleted (cascade) and SQLite's
        secure_delete overwrites the freed pages."""
        async with self.db.transaction() as tx:
            count = await tx.execute("DELETE FROM checkins WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM checkin_pauses WHERE user_id = ?", (user_id,))
            count += await tx.execute("DELETE FROM checkin_members WHERE user_id = ?", (user_id,))
        return count
