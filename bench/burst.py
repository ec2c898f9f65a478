"""A burst of check-ins: 1,000 ``/checkin log`` in one second, through the fake Discord, with
Discord's 3-second deadline for the first answer switched on.

The bot runs in its own process (``python -m bot run``) against a fresh database in which 1,000
members already opted in (written before the bot starts, so opting in is not part of the burst).
Each member logs once, with a unique set of scores, so no cache or upsert can answer for another.
Sends are paced evenly over one second. Afterwards the database is read back.

Last line: ``{"sent", "answered_in_3s", "saved", "lost", "p99_ms"}``: interactions sent; those
whose first callback (a reply or a defer) Discord accepted within 3 s; check-ins in the
database; check-ins missing from it; p99 of the time to that first callback. Also:
``replied`` (members who then saw the final reply) and ``reply_p99_ms``. Targets:
answered_in_3s = sent and lost = 0. ``--quick`` sends 300 in 0.3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord  # noqa: E402

DEADLINE_S = 3.0


async def _enroll(db_path: Path, guild_id: int, user_ids: list[int]) -> None:
    from bot.checkins.store import CheckinStore
    from bot.clock import Clock
    from bot.crypto import Keyring, generate_key
    from bot.db import Database

    db = await Database.open(db_path)
    try:
        store = CheckinStore(db, Clock(), Keyring.from_text(generate_key()))  # notes encrypted, as in the bot
        for user_id in user_ids:
            await store.enroll(user_id, guild_id, "Europe/London", None, None)
    finally:
        await db.close()


def _options(i: int) -> dict[str, object]:
    """A different check-in for every member (scores from the index), never repeated."""
    return {"pain": i % 11, "fatigue": (i // 11) % 11, "sleep": (i // 121) % 11, "mood": 1 + i % 5,
            "flare": i % 7 == 0}


async def run(count: int, seconds: float) -> dict[str, object]:
    async with FakeDiscord(validate=False, ack_deadline=DEADLINE_S) as fake:
        guild = fake.guild("Burst", channels=["general"])
        users = [fake.user(f"member{i}") for i in range(count)]
        with tempfile.TemporaryDirectory() as folder:
            db_path = Path(folder) / "burst.sqlite3"
            await _enroll(db_path, guild.id, [u.id for u in users])
            env = {**os.environ, "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": fake.url,
                   "DEV_GUILD_ID": str(guild.id), "DATABASE_PATH": str(db_path),
                   "CONTENT_DIR": str(ROOT / "content"), "LOG_LEVEL": "WARNING"}
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                await fake.wait_until(lambda: guild.id in fake.guild_commands, 60, "the bot to connect")
                await asyncio.sleep(0.5)
                started = time.perf_counter()

                async def one(i: int) -> object:
                    await asyncio.sleep(max(0.0, started + i * seconds / count - time.perf_counter()))
                    result = await fake.slash("checkin log", user=users[i], guild=guild, options=_options(i),
                                              wait=False)
                    with contextlib.suppress(Exception):  # not answered: counted below
                        await result.wait(DEADLINE_S + 12)
                    return result

                results = await asyncio.gather(*(one(i) for i in range(count)))
                await asyncio.sleep(0.5)
            finally:
                proc.terminate()
                await proc.wait()
            with sqlite3.connect(db_path) as conn:
                saved = conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]

    first = [r.latency for r in results if r.latency is not None]
    in_time = sum(1 for r in results if r.acknowledged and not r.expired and r.latency is not None
                  and r.latency <= DEADLINE_S)
    replied = [r for r in results if r.answered and "check-in" in r.text]
    reply_times = [r.answered_at - r.dispatched_at for r in replied
                   if r.answered_at is not None and r.dispatched_at is not None]
    print(f"{count} /checkin log in {seconds:.1f} s: {in_time} answered within {DEADLINE_S:.0f} s, "
          f"{len(replied)} saw their reply, {saved} saved")
    return {
        "sent": count, "answered_in_3s": in_time, "saved": saved, "lost": count - saved,
        "p99_ms": round(percentile(first, 0.99) * 1000, 1) if first else None,
        "replied": len(replied),
        "reply_p99_ms": round(percentile(reply_times, 0.99) * 1000, 1) if reply_times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 check-ins in 0.3 s")
    args = parser.parse_args()
    count, seconds = (300, 0.3) if args.quick else (1000, 1.0)
    print(json.dumps(asyncio.run(run(count, seconds))))


if __name__ == "__main__":
    main()
