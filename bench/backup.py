"""Backups on a database of 10,000 members with a year of check-ins each (notes encrypted).

Measures, with the real ``supportbot backup`` / ``restore`` code: a backup's duration and rate, the
commit latency of a writer that keeps updating check-ins (a different member and day for every
commit, each its own durable transaction, as the bot commits them) with no backup running and while
backups run back to back, that every backup holds every commit acknowledged before it started, a
verified restore, and one ``supportbot health`` run (a new process, as Docker's health check
runs it, safety set and all). Last line:
``{"db_mb", "backup_s", "backup_mb_per_s", "write_p99_ms_idle", "write_p99_ms_during_backup",
"backups_missing_acknowledged", "restore_s", "health_s"}``. ``--quick`` uses 1,000 members.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.crypto import Keyring, generate_key  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.keys import key_file_path, write_key_file  # noqa: E402
from bot.ops.backup import backup, restore  # noqa: E402

NOTE_SHARE = 0.3


def populate(path: Path, members: int, ring: Keyring, rng: random.Random) -> None:
    """Bulk-load a year of check-ins per member with plain sqlite3 (setup only); notes encrypted
    as the store encrypts them."""
    from bot.checkins.store import note_context

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    stamp = "2026-01-01T00:00:00.000000Z"
    conn.execute("BEGIN")
    for user in range(1, members + 1):
        conn.execute("INSERT INTO checkin_members (user_id, guild_id, timezone, dm_closed, active, consented_at, "
                     "updated_at) VALUES (?, 1, 'Europe/London', 0, 1, ?, ?)", (user, stamp, stamp))
        rows = []
        for offset in range(365):
            if rng.random() < 0.8:
                note = (ring.encrypt(f"note {user} {offset} {rng.random():.6f}", note_context(user))
                        if rng.random() < NOTE_SHARE else None)
                day = (date(2026, 11, 23) - timedelta(days=offset + 1)).isoformat()
                rows.append((user, day, rng.randint(0, 10), rng.randint(0, 10), rng.randint(0, 10),
                             rng.randint(1, 5), int(rng.random() < 0.1), note, stamp, stamp))
        conn.executemany("INSERT INTO checkins (user_id, day, pain, fatigue, sleep, mood, flare, note, created_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


class Writer(threading.Thread):
    """Updates one check-in per durable commit, never the same one twice, and records each
    commit's latency and the sequence number it acknowledged."""

    def __init__(self, path: Path, members: int) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.members = members
        self.stop_at: float | None = None
        self.latencies: list[tuple[float, float]] = []  # (when acknowledged, ms)
        self.acknowledged = 0
        self.running = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        rows = conn.execute("SELECT user_id, day FROM checkins ORDER BY user_id, day").fetchall()
        random.Random(7).shuffle(rows)
        self.running.set()
        for seq, (user, day) in enumerate(rows, start=1):
            if self.done.is_set():
                break
            start = time.perf_counter()
            conn.execute("UPDATE checkins SET fatigue = ?, updated_at = ? WHERE user_id = ? AND day = ?",
                         (seq % 11, f"seq-{seq:09d}", user, day))
            now = time.perf_counter()
            self.latencies.append((now, (now - start) * 1000))
            self.acknowledged = seq
        conn.close()


def acknowledged_in(path: Path) -> int:
    """The highest writer sequence number a backup holds."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        value = conn.execute("SELECT MAX(updated_at) FROM checkins WHERE updated_at LIKE 'seq-%'").fetchone()[0]
    return int(value[4:]) if value else 0


def run(members: int, backups: int) -> dict[str, float]:
    rng = random.Random(17)
    key = generate_key()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        path = base / "data" / "supportbot.sqlite3"
        settings = Settings(_env_file=None, database_path=path, content_dir=ROOT / "content")  # type: ignore[call-arg]
        asyncio.run(_migrate(path))
        populate(path, members, Keyring.from_text(key), rng)
        key_path = key_file_path(settings)
        assert key_path is not None
        write_key_file(key_path, [key])
        asyncio.run(_check_value(settings))
        size_mb = path.stat().st_size / 1_048_576
        print(f"database: {members} members, {size_mb:.0f} MB")

        writer = Writer(path, members)
        writer.start()
        writer.running.wait()
        time.sleep(2.0)  # the writer alone first
        idle = [ms for _, ms in writer.latencies]
        durations: list[float] = []
        windows: list[tuple[float, float]] = []
        missing = 0
        for n in range(backups):
            before = writer.acknowledged
            target = base / "backups" / f"b{n}.sqlite3"
            start = time.perf_counter()
            backup(settings, target)
            end = time.perf_counter()
            durations.append(end - start)
            windows.append((start, end))
            missing += int(acknowledged_in(target) < before)
        writer.done.set()
        writer.join()
        during = [ms for at, ms in writer.latencies if any(a <= at <= b for a, b in windows)]
        last = base / "backups" / f"b{backups - 1}.sqlite3"

        target_settings = Settings(_env_file=None, database_path=base / "restored" / "supportbot.sqlite3",  # type: ignore[call-arg]
                                   content_dir=ROOT / "content", data_key_file=key_path)
        start = time.perf_counter()
        restore(target_settings, last)
        restore_s = time.perf_counter() - start

        env = {**os.environ, "DATABASE_PATH": str(path), "CONTENT_DIR": str(ROOT / "content"),
               "DATA_KEY_FILE": str(key_path), "METRICS_PORT": ""}
        start = time.perf_counter()
        health = subprocess.run([sys.executable, "-m", "bot", "health"], env=env, cwd=base,
                                capture_output=True, text=True, check=False)
        health_s = time.perf_counter() - start
        if health.returncode != 0:
            print(f"health failed: {health.stdout.strip()} {health.stderr.strip()[-300:]}")
    backup_s = sorted(durations)[len(durations) // 2]
    print(f"{backups} backups (median {backup_s:.2f} s) while {len(writer.latencies)} commits went in; "
          f"{len(during)} of them during a backup")
    return {
        "db_mb": round(size_mb, 1),
        "backup_s": round(backup_s, 3),
        "backup_mb_per_s": round(size_mb / backup_s, 1) if backup_s else 0.0,
        "write_p99_ms_idle": round(percentile(idle, 0.99), 2) if idle else 0.0,
        "write_p99_ms_during_backup": round(percentile(during, 0.99), 2) if during else 0.0,
        "backups_missing_acknowledged": missing,
        "restore_s": round(restore_s, 3),
        "health_s": round(health_s, 2),
    }


async def _migrate(path: Path) -> None:
    db = await Database.open(path)  # the real migrations
    await db.close()


async def _check_value(settings: Settings) -> None:
    """Store the key's check value, as the bot's first start does, so restore verifies the key."""
    from bot.app import SupportApp

    app = await SupportApp.open(settings)
    await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 members instead of 10,000")
    args = parser.parse_args()
    result = run(1000 if args.quick else 10_000, 3 if args.quick else 5)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
