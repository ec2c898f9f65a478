"""Privacy costs on a database of 10,000 members with a year of check-ins each (notes encrypted).

Measures, through the real store code: a member's full deletion followed by the log scrub
(``PRAGMA wal_checkpoint(TRUNCATE)``) as ``/mydata`` does it (p99, each member deleted once, so
no run repeats another's work), one retention purge over members who chose 90 days, and key
rotation (every note re-encrypted). Last line:
``{"delete_scrub_p99_ms": ..., "retention_purge_ms": ..., "rotate_notes_per_s": ..., "note_encrypt_us": ...}``.
``--quick`` uses 1,000 members (under 60 s).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, run_member_bench  # noqa: E402
from bot.checkins import retention  # noqa: E402
from bot.checkins.store import CheckinStore, note_context  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.crypto import Keyring, generate_key  # noqa: E402
from bot.db import Database  # noqa: E402

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
NOTE_SHARE = 0.3  # about a third of check-ins carry a note


def populate(path: Path, members: int, ring: Keyring, rng: random.Random) -> int:
    """Bulk-load with plain sqlite3 (setup only); notes are encrypted exactly as the store does."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    stamp = "2026-01-01T00:00:00.000000Z"
    notes = 0
    conn.execute("BEGIN")
    for user in range(1, members + 1):
        keep = 90 if user % 4 == 0 else None  # a quarter chose 90 days
        conn.execute(
            "INSERT INTO checkin_members (user_id, guild_id, timezone, dm_closed, active, consented_at, updated_at, "
            "retention_days) VALUES (?, 1, 'Europe/London', 0, 1, ?, ?, ?)", (user, stamp, stamp, keep))
        rows = []
        for offset in range(365):
            if rng.random() < 0.8:
                note = None
                if rng.random() < NOTE_SHARE:
                    note = ring.encrypt(f"note {user} {offset} {rng.random():.6f}", note_context(user))
                    notes += 1
                day = (TODAY - timedelta(days=offset + 1)).isoformat()
                rows.append((user, day, rng.randint(0, 10), rng.randint(0, 10), rng.randint(0, 10), None,
                             rng.randint(1, 5), int(rng.random() < 0.1), note, stamp, stamp))
        conn.executemany("INSERT INTO checkins (user_id, day, pain, fatigue, sleep, fog, mood, flare, note, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return notes


async def run(members: int, deletions: int) -> dict[str, float]:
    rng = random.Random(14)
    old_key = generate_key()
    ring = Keyring.from_text(old_key)
    start = time.perf_counter()
    for i in range(2000):
        ring.encrypt(f"a typical note of some forty characters {i}", "checkins.note:1")
    encrypt_us = (time.perf_counter() - start) / 2000 * 1e6
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await Database.open(path)  # the real migrations
        await db.close()
        started = time.perf_counter()
        notes = populate(path, members, ring, rng)
        print(f"loaded {members} members, {notes} encrypted notes in {time.perf_counter() - started:.1f} s")
        db = await Database.open(path)
        store = CheckinStore(db, ManualClock(NOW), ring)
        doomed = rng.sample([u for u in range(1, members + 1) if u % 4 != 0], deletions)
        timings: list[float] = []
        for user in doomed:
            start = time.perf_counter()
            await store.delete_member(user)
            await db.scrub()
            timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        purged = await retention.purge(store, NOW)
        await db.scrub()
        purge_ms = (time.perf_counter() - start) * 1000
        store.keyring = Keyring.from_text(f"{generate_key()},{old_key}")  # as `supportbot keys rotate` does
        start = time.perf_counter()
        rotated = await store.reencrypt()
        await db.scrub()
        rotate_s = time.perf_counter() - start
        await db.close()
    print(f"delete+scrub p50 {statistics.median(timings):.1f} ms over {deletions} members; purge removed {purged} "
          f"check-ins; rotation re-encrypted {rotated} notes in {rotate_s:.1f} s")
    return {
        "delete_scrub_p99_ms": round(percentile(timings, 0.99), 2),
        "retention_purge_ms": round(purge_ms, 1),
        "rotate_notes_per_s": round(rotated / rotate_s) if rotate_s else 0,
        "note_encrypt_us": round(encrypt_us, 1),
    }


def main() -> None:
    run_member_bench(__doc__, run, (50, 200))


if __name__ == "__main__":
    main()
