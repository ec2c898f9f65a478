"""Check-in performance on a database of 10,000 members with a year of check-ins each.

Measures, through the real store and service code: a check-in write (p99), ``/checkin stats``
without the chart (query plus streak, p99), one reminder scan, and chart rendering. Last line:
``{"write_p99_ms": ..., "stats_p99_ms": ..., "reminder_scan_ms": ..., "chart_ms": ...}``.
``--quick`` uses 1,000 members (under 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot.checkins.charts import render_chart  # noqa: E402
from bot.checkins.models import CheckIn  # noqa: E402
from bot.checkins.reminders import Reminders  # noqa: E402
from bot.checkins.store import CheckinStore  # noqa: E402
from bot.checkins.streaks import summarize  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.crypto import Keyring, generate_key  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.notify import Outbox  # noqa: E402

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)



def populate(path: Path, members: int, rng: random.Random) -> None:
    """Bulk-load with plain sqlite3 (setup only; every measured operation uses the real store)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    stamp = "2026-01-01T00:00:00.000000Z"
    conn.execute("BEGIN")
    for user in range(1, members + 1):
        reminder = NOW + timedelta(minutes=rng.randint(-30, 24 * 60)) if rng.random() < 0.5 else None
        conn.execute(
            "INSERT INTO checkin_members (user_id, guild_id, timezone, reminder_time, next_reminder_at, dm_closed, "
            "active, consented_at, updated_at) VALUES (?, 1, 'Europe/London', ?, ?, 0, 1, ?, ?)",
            (user, reminder.strftime("%H:%M") if reminder else None,
             reminder.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if reminder else None, stamp, stamp),
        )
        rows = []
        for offset in range(365):
            if rng.random() < 0.8:
                day = (TODAY - timedelta(days=offset + 1)).isoformat()
                rows.append((user, day, rng.randint(0, 10), rng.randint(0, 10), rng.randint(0, 10), None,
                             rng.randint(1, 5), int(rng.random() < 0.1), None, stamp, stamp))
        conn.executemany("INSERT INTO checkins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


async def run(members: int, samples: int) -> dict[str, float]:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await Database.open(path)  # creates the schema with the real migrations
        await db.close()
        started = time.perf_counter()
        populate(path, members, rng)
        print(f"loaded {members} members with a year of check-ins in {time.perf_counter() - started:.1f} s")
        db = await Database.open(path)
        clock = ManualClock(NOW)
        store = CheckinStore(db, clock, Keyring.from_text(generate_key()))
        writes: list[float] = []
        for _ in range(samples):
            user = rng.randint(1, members)
            checkin = CheckIn(TODAY, pain=rng.randint(0, 10), mood=rng.randint(1, 5), note="bench")
            start = time.perf_counter()
            await store.save(user, checkin)
            writes.append((time.perf_counter() - start) * 1000)
        stats: list[float] = []
        for _ in range(samples):
            user = rng.randint(1, members)
            start = time.perf_counter()
            days = await store.days(user)
            pauses = await store.pauses(user)
            await store.checkins(user, since=TODAY - timedelta(days=27))
            summarize(days, TODAY, pauses=pauses)
            stats.append((time.perf_counter() - start) * 1000)
        holder = SimpleNamespace(outbox=Outbox())  # in-memory delivery: measures the bot's own work
        start = time.perf_counter()
        result = await Reminders(store, holder).scan(NOW)
        scan_ms = (time.perf_counter() - start) * 1000
        year = await store.checkins(1)
        charts = []
        for _ in range(3):
            start = time.perf_counter()
            render_chart(year, TODAY - timedelta(days=364), TODAY)
            charts.append((time.perf_counter() - start) * 1000)
        await db.close()
    print(f"write p50 {statistics.median(writes):.2f} ms, stats p50 {statistics.median(stats):.2f} ms, "
          f"reminder scan: {result.sent} sent, {result.skipped} skipped")
    return {
        "write_p99_ms": round(percentile(writes, 0.99), 3),
        "stats_p99_ms": round(percentile(stats, 0.99), 3),
        "reminder_scan_ms": round(scan_ms, 3),
        "chart_ms": round(statistics.median(charts), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 members instead of 10,000")
    args = parser.parse_args()
    members = 1000 if args.quick else 10_000
    result = asyncio.run(run(members, 200 if args.quick else 1000))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
