"""Check-in performance on a database of 10,000 members with a year of check-ins each.

Measures through ``CheckinService``, the code a command runs (over the real app, database and
content): ``/checkin log`` with a note (validation, safety screen, write, streak; p99),
``/checkin stats`` (query, streak, words, chart; p99), one reminder scan, and rendering a year's
chart on its own, and the streak rules alone over a year. Last line:
``{"write_p99_ms", "stats_p99_ms", "reminder_scan_ms", "chart_ms", "streak_year_p99_ms"}``.
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
from bot.app import SupportApp  # noqa: E402
from bot.checkins.charts import render_chart  # noqa: E402
from bot.checkins.streaks import summarize  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.ui import Actor  # noqa: E402

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
GUILD = 1
CHANNEL = 2


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
        conn.executemany("INSERT INTO checkins (user_id, day, pain, fatigue, sleep, fog, mood, flare, note, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


def actor(user: int) -> Actor:
    return Actor(user_id=user, display_name=f"member {user}", guild_id=GUILD, channel_id=CHANNEL)


NOTE_WORDS = ("slept", "badly", "better", "walk", "sore", "back", "tired", "foggy", "calm", "rain", "pacing", "hips",
              "neck", "ok", "rough", "gentle", "stretch", "nap", "busy", "quiet")


async def run(members: int, samples: int) -> dict[str, float]:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await Database.open(path)  # creates the schema with the real migrations
        await db.close()
        started = time.perf_counter()
        populate(path, members, rng)
        print(f"loaded {members} members with a year of check-ins in {time.perf_counter() - started:.1f} s")
        settings = Settings(_env_file=None, database_path=path, content_dir=ROOT / "content")  # type: ignore[call-arg]
        app = await SupportApp.open(settings, clock=ManualClock(NOW))  # in-memory outbox: no Discord
        service = app.checkins
        try:
            # What `/checkin log pain mood note` does: validate, screen the note, save, streak.
            # Each note is new text, so the safety screen's per-text cache never answers it.
            writes: list[float] = []
            for i in range(samples):
                user = rng.randint(1, members)
                note = f"{' '.join(rng.sample(NOTE_WORDS, 4))} {i}"
                start = time.perf_counter()
                reply = await service.log_checkin(actor(user), pain=rng.randint(0, 10), mood=rng.randint(1, 5),
                                                  note=note)
                writes.append((time.perf_counter() - start) * 1000)
                assert "check-in" in reply.content, reply.content
            # What `/checkin stats` does: query, streak, words for screen readers, and the chart.
            stats: list[float] = []
            for _ in range(max(20, samples // 2)):  # each renders a chart: fewer samples keep --quick short
                user = rng.randint(1, members)
                start = time.perf_counter()
                reply = await service.stats(actor(user))
                stats.append((time.perf_counter() - start) * 1000)
                assert reply.files and reply.files[0].data.startswith(b"\x89PNG")
            start = time.perf_counter()
            result = await service.reminders.scan(NOW)
            scan_ms = (time.perf_counter() - start) * 1000
            # The streak rules alone over a year of days, with and without gaps and pauses (these
            # timings were once assertions in the unit tests; they belong here).
            days = await service.store.days(1)
            gappy = [d for i, d in enumerate(days) if i % 4]
            pauses = [(TODAY - timedelta(days=200), TODAY - timedelta(days=180)),
                      (TODAY - timedelta(days=60), TODAY - timedelta(days=40))]
            streaks: list[float] = []
            for _ in range(samples):
                for sample_days, sample_pauses in ((days, []), (gappy, pauses)):
                    start = time.perf_counter()
                    summarize(sample_days, TODAY, pauses=sample_pauses)
                    streaks.append((time.perf_counter() - start) * 1000)
            year = await service.store.checkins(1)
            charts = []
            for _ in range(3):
                start = time.perf_counter()
                render_chart(year, TODAY - timedelta(days=364), TODAY)
                charts.append((time.perf_counter() - start) * 1000)
        finally:
            await app.close()
    print(f"write p50 {statistics.median(writes):.2f} ms, stats p50 {statistics.median(stats):.2f} ms, "
          f"reminder scan: {result.sent} sent, {result.skipped} skipped")
    return {
        "write_p99_ms": round(percentile(writes, 0.99), 3),
        "stats_p99_ms": round(percentile(stats, 0.99), 3),
        "reminder_scan_ms": round(scan_ms, 3),
        "chart_ms": round(statistics.median(charts), 1),
        "streak_year_p99_ms": round(percentile(streaks, 0.99), 4),
    }


def main() -> None:
    run_member_bench(__doc__, run, (200, 1000))


if __name__ == "__main__":
    main()
