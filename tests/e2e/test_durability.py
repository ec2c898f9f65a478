"""Nothing acknowledged is lost: the bot runs as its own process while check-ins stream in, and is
killed with SIGKILL at random moments. Every write whose confirmation reached Discord (the fake)
must be in the database afterwards, and SQLite's integrity check must pass."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.crypto import Keyring
from tests.conftest import CONTENT, ROOT

from .fake_discord import FakeDiscord, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = 20
MEMBERS = 40


class BotProcess:
    def __init__(self, fake: FakeDiscord, db_path: Path, guild_id: int, log_path: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))},
            "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": fake.url, "DEV_GUILD_ID": str(guild_id),
            "DATABASE_PATH": str(db_path), "CONTENT_DIR": str(CONTENT), "LOG_LEVEL": "WARNING",
        }
        self.fake = fake
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        identified = self.fake.identify_count
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )
        await self.fake.wait_until(lambda: self.fake.identify_count > identified, 30, "the bot to identify")

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def write_stream(fake: FakeDiscord, users: list[FakeUser], acked: dict[str, set[int]], stop: asyncio.Event,
                       rng: random.Random) -> None:
    """Opt members in and log check-ins, forever, recording what the bot confirmed."""
    while not stop.is_set():
        user = rng.choice(users)
        try:
            if user.id not in acked["enrolled"]:
                offer = await fake.slash("checkin start", user=user, options={"timezone": "Europe/London"}, timeout=2)
                agree = next(c for c in offer.components if c.label.startswith("I agree"))
                done = await fake.click(offer, agree.custom_id, user=user, timeout=2)
                if "set up" in done.text:
                    acked["enrolled"].add(user.id)
            else:
                result = await fake.slash("checkin log", user=user, options={"pain": 3, "note": f"n{user.id}"},
                                          timeout=2)
                if "check-in for today" in result.text:
                    acked["logged"].add(user.id)
        except Exception:  # the bot was killed mid-request: that write was never acknowledged
            await asyncio.sleep(0.05)


async def test_acknowledged_checkins_survive_sigkill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20261123)
    db_path = tmp_path / "durable.sqlite3"
    async with FakeDiscord(ack_deadline=None, reject_invalid=True) as fake:
        guild = fake.guild("Durable", channels=["general"])
        users = [fake.user(f"m{i}", guild=guild) for i in range(MEMBERS)]
        bot = BotProcess(fake, db_path, guild.id, tmp_path / "bot.log")
        acked: dict[str, set[int]] = {"enrolled": set(), "logged": set()}
        stop = asyncio.Event()
        await bot.start()
        writers = [asyncio.create_task(write_stream(fake, users, acked, stop, rng)) for _ in range(3)]
        kills = 0
        try:
            while kills < KILLS:
                await asyncio.sleep(rng.uniform(0.05, 0.6))
                await bot.kill()
                kills += 1
                await bot.start()
            await asyncio.sleep(1.0)
        finally:
            stop.set()
            await asyncio.gather(*writers, return_exceptions=True)
            await bot.stop()
        fake.assert_clean()
    assert kills >= 20
    assert acked["enrolled"] and acked["logged"], "no writes were acknowledged: the test proved nothing"
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        enrolled = {row[0] for row in conn.execute("SELECT user_id FROM checkin_members")}
        # Notes are encrypted at rest: open them with the key file the bot created on first start.
        ring = Keyring.from_text(db_path.with_suffix(".key").read_text())
        logged = {user_id for user_id, note in conn.execute("SELECT user_id, note FROM checkins")
                  if note is not None and ring.decrypt(note, f"checkins.note:{user_id}") == f"n{user_id}"}
    finally:
        conn.close()
    assert acked["enrolled"] <= enrolled, acked["enrolled"] - enrolled
    assert acked["logged"] <= logged, acked["logged"] - logged
    with capsys.disabled():  # shown in every test run, not only on failure
        print(f"\ndurability: killed the bot {kills} times with SIGKILL; {len(acked['enrolled'])} opt-ins and "
              f"{len(acked['logged'])} check-ins were acknowledged and all are in the database")


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
async def test_signals_shut_the_bot_down_cleanly(tmp_path: Path, signal_name: str) -> None:
    import signal

    async with FakeDiscord() as fake:
        guild = fake.guild("Calm", channels=["general"])
        user = fake.user("sam", guild=guild)
        bot = BotProcess(fake, tmp_path / "calm.sqlite3", guild.id, tmp_path / "bot.log")
        await bot.start()
        await fake.wait_until(lambda: guild.id in fake.guild_commands, 10, "commands synced")
        answer = await fake.slash("faq", user=user, options={"question": "what is pacing"}, timeout=5)
        assert answer.embeds
        assert bot.proc is not None
        bot.proc.send_signal(getattr(signal, signal_name))
        try:
            code = await asyncio.wait_for(bot.proc.wait(), 15)
        except TimeoutError:
            bot.proc.kill()  # never leave a hung bot behind
            await bot.proc.wait()
            print((tmp_path / "bot.log").read_text()[-3000:])
            raise
        fake.assert_clean()
    assert code == 0, (tmp_path / "bot.log").read_text()[-3000:]
    assert "Traceback" not in (tmp_path / "bot.log").read_text()
    conn = sqlite3.connect(tmp_path / "calm.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM faq_events").fetchone()[0] == 1  # flushed on the way out
    finally:
        conn.close()
