"""Two sharded bot processes on one PostgreSQL database against the local fake Discord.

What it checks and measures, with the real bot (``bench/scale.py --worker``, which is
``supportbot run`` plus a report of the guilds it got) in separate processes:

1. **Guilds.** Shards 0–1 and 2–3 of 4 in two processes: the guild sets the two bots report are
   disjoint and together are every guild. The fake closes a connection with 4011 when one shard
   would hold more than ``guilds / 3`` guilds, so fewer than 4 shards would not even connect.
2. **Identify spacing.** The fake allows one IDENTIFY per 5 s (``max_concurrency`` 1) and records
   each; ``identify_min_gap_s`` is the shortest time between two IDENTIFYs of the pair (any
   process), and none may be refused.
3. **Reminders exactly once with a kill.** 2,000 reminders are made due in the database; when a
   quarter of them have arrived, one process is killed with SIGKILL (its claimed rows are left
   behind mid-send). The other takes them over when their lease (3 s here) runs out. Every DM the
   fake received is counted per member: ``reminders_duplicate`` members got more than one,
   ``reminders_missing`` got none. ``nonce_retries`` counts sends the fake answered with an
   existing message (Discord's ``enforce_nonce``): retries the idempotency key absorbed.
4. **Throughput.** The same number of reminders, sent by one process with all 4 shards and then
   by the pair (no kill): ``pair_vs_single`` is the pair's reminders per second over the single
   process's, on this machine (both bots and the fake share its cores, so this is a floor).

Every reminder belongs to a different member, and each phase uses new members: nothing is sent
twice on purpose. The PostgreSQL server comes from the ``pgserver`` dev dependency.

Last line: ``{"guilds_ok", "identify_min_gap_s", "reminders_sent", "reminders_duplicate",
"reminders_missing", "pair_vs_single"}`` plus detail fields. ``--quick``: fewer guilds and
reminders for the throughput phases (about a minute and a half).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.fake_discord import FakeDiscord  # noqa: E402

SHARDS = 4
KILL_REMINDERS = 2000
LEASE_SECONDS = 3.0
SCAN_SECONDS = 0.1


# -- the bot process ---------------------------------------------------------------------------

async def worker(report: Path) -> None:
    """Run the bot as ``supportbot run`` does; once ready, write the guilds and shards it has."""
    from bot.client import create_bot
    from bot.config import load_settings

    settings = load_settings()
    bot = await create_bot(settings)

    async def tell() -> None:
        await bot.wait_until_ready()
        shards = sorted(getattr(bot, "shards", {}) or [0])
        text = json.dumps({"guilds": [g.id for g in bot.guilds], "shards": shards})
        partial = report.with_suffix(".part")
        await asyncio.to_thread(partial.write_text, text)
        await asyncio.to_thread(partial.replace, report)  # appears whole or not at all

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        telling = asyncio.ensure_future(tell())
        await bot.start(settings.token())
        telling.cancel()


# -- the harness -------------------------------------------------------------------------------

class Bench:
    def __init__(self, fake: FakeDiscord, database_url: str, folder: Path, guilds: int) -> None:
        self.fake = fake
        self.database_url = database_url
        self.folder = folder
        self.guild_ids = [fake.guild(f"Group {i}", channels=["general"], guild_id=((10_000 + i) << 22) | 1).id
                          for i in range(guilds)]
        self.data_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.dm_channel_user: dict[int, int] = {}
        self._next_user = 0
        self._counted = 0
        self._dm_counts: Counter[int] = Counter()

    def env(self, name: str, shard_ids: str | None) -> dict[str, str]:
        data = self.folder / name
        data.mkdir(exist_ok=True)
        env = {**os.environ, "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": self.fake.url,
               "DATABASE_URL": self.database_url, "DATABASE_PATH": str(data / "bot.sqlite3"),
               "DATA_KEY": self.data_key, "CONTENT_DIR": str(ROOT / "content"), "LOG_LEVEL": "WARNING",
               "SHARD_COUNT": str(SHARDS), "REMINDER_SCAN_SECONDS": str(SCAN_SECONDS),
               "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS)}
        env.pop("SHARD_IDS", None)
        if shard_ids is not None:
            env["SHARD_IDS"] = shard_ids
        return env

    async def start(self, name: str, shard_ids: str | None) -> tuple[asyncio.subprocess.Process, Path]:
        report = self.folder / f"{name}.json"
        report.unlink(missing_ok=True)
        with (self.folder / f"{name}.log").open("ab") as log:  # a file: a full pipe would stall the bot
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(HERE), "--worker", str(report), cwd=ROOT,
                env=self.env(name, shard_ids), stdout=asyncio.subprocess.DEVNULL, stderr=log)
        return proc, report

    async def ready(self, procs: list[tuple[asyncio.subprocess.Process, Path]], within: float = 120) -> list[dict]:
        deadline = time.monotonic() + within
        while not all(report.exists() for _, report in procs):
            for proc, report in procs:
                if proc.returncode is not None:
                    err = report.with_suffix(".log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"a bot process ended (rc {proc.returncode}): {err}")
            if time.monotonic() > deadline:
                raise TimeoutError("the bot processes were not ready in time")
            await asyncio.sleep(0.05)
        return [json.loads(report.read_text()) for _, report in procs]

    async def seed(self, count: int) -> list[int]:
        """``count`` new members, each with a reminder due now."""
        from bot.db import Database

        users = []
        for _ in range(count):
            self._next_user += 1
            users.append(self.fake.user(f"member{self._next_user}").id)
        now = datetime.now(UTC)
        due = now - timedelta(seconds=30)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = [(user, self.guild_ids[0], "UTC", due.strftime("%H:%M"), due.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                 stamp, stamp) for user in users]
        db = await Database.open(self.database_url)
        try:
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO checkin_members (user_id, guild_id, timezone, reminder_time, next_reminder_at, "
                    "dm_closed, active, consented_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?)", rows)
        finally:
            await db.close()
        return users

    async def claimed(self) -> int:
        from bot.db import Database

        db = await Database.open(self.database_url)
        try:
            return int(await db.fetchval("SELECT COUNT(*) FROM checkin_members WHERE claimed_by IS NOT NULL"))
        finally:
            await db.close()

    def dms(self) -> Counter[int]:
        """DMs received per member, counting only messages not seen by an earlier call."""
        messages = list(self.fake.messages.values())
        fresh, self._counted = messages[self._counted:], len(messages)
        by_channel = {channel.id: user for user, channel in self.fake._dm_channels.items()}
        self._dm_counts.update(by_channel[m.channel_id] for m in fresh if m.channel_id in by_channel)
        return self._dm_counts

    async def until_delivered(self, users: list[int], within: float) -> float:
        """Seconds until every one of ``users`` has a DM (or ``within`` has passed)."""
        wanted = set(users)
        started = time.perf_counter()
        seen = -1

        def arrived() -> bool:
            nonlocal seen
            if len(self.fake.messages) == seen:
                return False
            seen = len(self.fake.messages)
            return wanted <= self.dms().keys()

        with contextlib.suppress(TimeoutError, AssertionError):
            await self.fake.wait_until(arrived, within, "every reminder")
        return time.perf_counter() - started


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def min_gap(records: list[Any]) -> float | None:
    """Shortest time between two accepted IDENTIFYs in one bucket, over ``records``."""
    last: dict[int, float] = {}
    gaps = []
    for record in sorted((r for r in records if r.accepted), key=lambda r: r.at):
        if record.bucket in last:
            gaps.append(record.at - last[record.bucket])
        last[record.bucket] = record.at
    return min(gaps) if gaps else None


async def run(guilds: int, throughput_reminders: int) -> dict[str, Any]:
    import pgserver

    with tempfile.TemporaryDirectory(prefix="supportbot-scale-") as tmp:
        folder = Path(tmp)
        server = pgserver.get_server(str(folder / "pg"), cleanup_mode="stop")
        try:
            server.psql("CREATE DATABASE scale;")
            database_url = server.get_uri().replace("/postgres?", "/scale?")
            async with FakeDiscord(validate=False, ack_deadline=None, max_concurrency=1, identify_window=5.0,
                                   max_guilds_per_shard=max(1, guilds // 3)) as fake:
                bench = Bench(fake, database_url, folder, guilds)
                return await phases(bench, throughput_reminders)
        finally:
            server.cleanup()


async def phases(bench: Bench, throughput_reminders: int) -> dict[str, Any]:
    fake = bench.fake
    # 1. One process, all four shards: the throughput baseline.
    single = await bench.start("single", None)
    try:
        await bench.ready([single])
        users = await bench.seed(throughput_reminders)
        single_s = await bench.until_delivered(users, 120)
    finally:
        await stop(single[0])
    # 2. The pair: shards 0-1 and 2-3.
    identifies_before = len(fake.identify_limiter.log)
    first, second = await bench.start("first", "0,1"), await bench.start("second", "2,3")
    try:
        reports = await bench.ready([first, second])
        pair_identifies = fake.identify_limiter.log[identifies_before:]
        sets = [set(r["guilds"]) for r in reports]
        guilds_ok = not (sets[0] & sets[1]) and sets[0] | sets[1] == set(bench.guild_ids) \
            and reports[0]["shards"] == [0, 1] and reports[1]["shards"] == [2, 3]
        users = await bench.seed(throughput_reminders)
        pair_s = await bench.until_delivered(users, 120)
        retries_before_kill = fake.nonce_repeats
        # 3. 2,000 reminders; one process is killed when a quarter have arrived.
        before = len(fake.messages)
        kill_users = await bench.seed(KILL_REMINDERS)
        started = time.perf_counter()
        await fake.wait_until(lambda: len(fake.messages) - before >= KILL_REMINDERS // 4, 60, "a quarter")
        second[0].kill()
        await second[0].wait()
        held_at_kill = await bench.claimed()
        await bench.until_delivered(kill_users, LEASE_SECONDS + 120)
        recovered_s = time.perf_counter() - started
    finally:
        await stop(first[0])
        await stop(second[0])
    counts = bench.dms()
    everyone = list(counts)  # all members messaged in any phase
    kill_counts = [counts.get(u, 0) for u in kill_users]
    gap = min_gap(pair_identifies)
    print(f"guilds: {len(bench.guild_ids)} over {SHARDS} shards; the pair got {len(sets[0])} + {len(sets[1])}, "
          f"disjoint and complete: {guilds_ok}")
    print(f"identify: {len(pair_identifies)} IDENTIFYs from the pair, {sum(not r.accepted for r in pair_identifies)}"
          f" refused, shortest gap in one bucket {gap if gap is None else round(gap, 2)} s")
    print(f"throughput: {throughput_reminders} reminders in {single_s:.2f} s by one process, {pair_s:.2f} s by "
          f"the pair")
    print(f"kill: {KILL_REMINDERS} reminders, second process SIGKILLed after {KILL_REMINDERS // 4} arrived, "
          f"{held_at_kill} rows still claimed at the kill, all delivered after {recovered_s:.1f} s; "
          f"{fake.nonce_repeats - retries_before_kill} resends absorbed by the idempotency key "
          f"({retries_before_kill} before the kill)")
    return {
        "guilds_ok": guilds_ok,
        "identify_min_gap_s": None if gap is None else round(gap, 3),
        "reminders_sent": sum(1 for c in kill_counts if c >= 1),
        "reminders_duplicate": sum(1 for u in everyone if counts[u] > 1),
        "reminders_missing": sum(1 for c in kill_counts if c == 0),
        "pair_vs_single": round(single_s / pair_s, 3),
        "identify_refused": sum(not r.accepted for r in pair_identifies),
        "claims_held_at_kill": held_at_kill,
        "recovered_after_kill_s": round(recovered_s, 2),
        "nonce_retries_after_kill": fake.nonce_repeats - retries_before_kill,
        "nonce_retries_before_kill": retries_before_kill,
        "single_per_s": round(throughput_reminders / single_s, 1),
        "pair_per_s": round(throughput_reminders / pair_s, 1),
        "guilds": len(bench.guild_ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer guilds and throughput reminders")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        asyncio.run(worker(args.worker))
        return
    result = asyncio.run(run(guilds=600 if args.quick else 6000,
                             throughput_reminders=1000 if args.quick else 4000))
    print(json.dumps(result))
    if not result["guilds_ok"] or result["reminders_duplicate"] or result["reminders_missing"]:
        sys.exit("sharding or exactly-once delivery failed")


if __name__ == "__main__":
    main()
