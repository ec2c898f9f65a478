"""Sharded bot processes against the fake Discord: each process gets exactly its shards' guilds,
only shard 0's process syncs commands, 4011 when a shard would hold too many guilds, identify
spacing per bucket, and reminder DMs sent once per idempotency key.

Each "process" is a bot with its own database file and client in this event loop; two of them
against one fake is what two processes against Discord look like from the gateway's side."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from bot.client import ShardedSupportBot, SupportBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import Database
from bot.feature import Job
from bot.sharding import PostgresIdentifyGate, shard_of
from bot.ui import Reply
from tests.conftest import CONTENT

from .fake_discord import BotCrashed, FakeDiscord, running_client
from .fake_shards import IdentifyLimiter

TOKEN = "fake-bot-token"


def settings_for(tmp_path: Path, fake: FakeDiscord, name: str, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=TOKEN,
        database_path=tmp_path / name / "bot.sqlite3",
        content_dir=CONTENT,
        discord_api_base=fake.url,
        **extra,  # type: ignore[arg-type]
    )


def spread_guilds(fake: FakeDiscord, count: int) -> list[int]:
    """Guilds whose ids fall on every shard (ids made in one millisecond would all share one)."""
    return [fake.guild(f"Group {i}", guild_id=((1_000 + i) << 22) | 7).id for i in range(count)]


@contextlib.asynccontextmanager
async def started(fake: FakeDiscord, bot: SupportBot, ready_within: float = 20.0) -> AsyncIterator[SupportBot]:
    async with running_client(fake, bot, token=TOKEN, ready_timeout=ready_within):
        yield bot


def test_settings_refuse_shard_ids_outside_the_count() -> None:
    from bot.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="SHARD_IDS must be distinct numbers from 0 to 3"):
        load_settings(_env_file=None, shard_count=4, shard_ids="3,4")
    with pytest.raises(SettingsError, match="SHARD_IDS needs SHARD_COUNT"):
        load_settings(_env_file=None, shard_ids="0")
    assert load_settings(_env_file=None, shard_count=4, shard_ids="3, 1").shard_ids == (1, 3)


async def test_two_processes_get_disjoint_guild_sets_that_cover_every_guild(tmp_path: Path) -> None:
    async with FakeDiscord(max_concurrency=2, identify_window=5.0) as fake:
        guilds = spread_guilds(fake, 12)
        dev = guilds[0]
        first = await create_bot(settings_for(tmp_path, fake, "a", shard_count=2, shard_ids="0", dev_guild_id=dev))
        second = await create_bot(settings_for(tmp_path, fake, "b", shard_count=2, shard_ids="1", dev_guild_id=dev))
        assert isinstance(first, ShardedSupportBot) and isinstance(second, ShardedSupportBot)
        async with started(fake, first), started(fake, second):
            mine = {g.id for g in first.guilds}
            theirs = {g.id for g in second.guilds}
            assert mine and theirs and not mine & theirs
            assert mine | theirs == set(guilds)
            assert all(shard_of(g, 2) == 0 for g in mine) and all(shard_of(g, 2) == 1 for g in theirs)
            assert {tuple(p["shard"]) for p in fake.identify_payloads} == {(0, 2), (1, 2)}
            # Commands are synced by the process that owns shard 0 only.
            assert len(fake.requests_to("PUT /applications/{a}/guilds/{g}/commands")) == 1
            assert first.owns_shard_zero and not second.owns_shard_zero
            assert first.owns_guild(None) and not second.owns_guild(None)  # DMs are shard 0's
        fake.assert_clean()


async def test_an_unsharded_bot_with_too_many_guilds_is_closed_with_4011(tmp_path: Path) -> None:
    async with FakeDiscord(max_guilds_per_shard=3) as fake:
        spread_guilds(fake, 5)
        bot = await create_bot(settings_for(tmp_path, fake, "solo"))
        assert type(bot) is SupportBot
        with pytest.raises(BotCrashed) as crashed:
            async with started(fake, bot, ready_within=10.0):
                pass
        closed = crashed.value.__cause__
        assert isinstance(closed, discord.ConnectionClosed) and closed.code == 4011
        assert any(what == "sharding_required" for _, what, _ in fake.gateway_log)


async def test_the_same_bot_sharded_in_two_fits_and_gets_every_guild(tmp_path: Path) -> None:
    async with FakeDiscord(max_guilds_per_shard=3, max_concurrency=2, identify_window=5.0) as fake:
        guilds = spread_guilds(fake, 5)
        bot = await create_bot(settings_for(tmp_path, fake, "pair", shard_count=2))
        async with started(fake, bot):
            assert {g.id for g in bot.guilds} == set(guilds)
            assert sorted(bot.shards) == [0, 1]


@pytest.mark.slow
async def test_identifies_in_one_bucket_are_five_seconds_apart(tmp_path: Path) -> None:
    # One bucket (max_concurrency 1) and a fake that refuses a second IDENTIFY within 5 s: both
    # shards must be accepted first time, 5 s apart.
    async with FakeDiscord(max_concurrency=1, identify_window=5.0) as fake:
        spread_guilds(fake, 4)
        bot = await create_bot(settings_for(tmp_path, fake, "spaced", shard_count=2))
        async with started(fake, bot, ready_within=20.0):
            limiter: IdentifyLimiter = fake.identify_limiter
            assert limiter.rejected == 0 and len(limiter.log) == 2
            gap = limiter.min_gap()
            assert gap is not None and gap >= 5.0


async def test_a_repeated_reminder_key_makes_one_dm(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        guild = fake.guild("Fibro Friends")
        alice = fake.user("alice", guild=guild)
        bot = await create_bot(settings_for(tmp_path, fake, "dm"))
        async with started(fake, bot):
            outbox = bot.app.outbox
            reply = Reply(content="Your check-in reminder", ephemeral=False)
            results = await asyncio.gather(*(outbox.to_member(alice.id, reply, nonce="k1") for _ in range(2)))
            await outbox.to_member(alice.id, reply, nonce="k2")
            assert all(r.value == "sent" for r in results)
            assert len(fake.dms_for(alice)) == 2 and fake.nonce_repeats == 1
        fake.assert_clean()


@pytest.mark.slow
@pytest.mark.postgresql
async def test_processes_on_one_postgresql_database_take_turns_to_identify(tmp_path: Path, postgres_url: str) -> None:
    # Two processes, one bucket: each identifies as soon as it can. Alone, each would identify
    # at once and the fake would refuse the second; the advisory lock spaces them 5 s apart.
    async with FakeDiscord(max_concurrency=1, identify_window=5.0) as fake:
        spread_guilds(fake, 6)
        shared = {"database_url": postgres_url, "data_key": base64.urlsafe_b64encode(bytes(range(32))).decode()}
        first = await create_bot(settings_for(tmp_path, fake, "a", shard_count=2, shard_ids="0", **shared))
        second = await create_bot(settings_for(tmp_path, fake, "b", shard_count=2, shard_ids="1", **shared))
        assert isinstance(first.identify_gate, PostgresIdentifyGate)
        async with started(fake, first), started(fake, second):
            limiter: IdentifyLimiter = fake.identify_limiter
            assert limiter.rejected == 0 and len(limiter.log) == 2
            gap = limiter.min_gap()
            assert gap is not None and gap >= 5.0
            assert {g.id for g in first.guilds} | {g.id for g in second.guilds} == set(fake.guilds)


async def test_shutting_down_mid_batch_lets_the_reminder_batch_finish(tmp_path: Path) -> None:
    # A deploy stops a process while a reminder DM is on its way (Discord answers 500 first, so
    # discord.py retries after a second). The shutdown waits: the DM arrives once and the row is
    # moved on, instead of being left claimed for another process to send again.
    async with FakeDiscord() as fake:
        guild = fake.guild("Fibro Friends")
        alice = fake.user("alice", guild=guild)
        clock = ManualClock(datetime(2026, 11, 23, 20, 0, 30, tzinfo=UTC))
        settings = settings_for(tmp_path, fake, "stopping")
        bot = await create_bot(settings, clock=clock)
        async with started(fake, bot):
            await bot.app.checkins.store.enroll(alice.id, guild.id, "Europe/London", "20:00",
                                                datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
            fake.fail("POST /channels/{channel_id}/messages", 500, times=1)
            scan = Job("reminders", bot.app.checkins_feature.scan_reminders, every=3600)
            bot._background.append(asyncio.create_task(bot._run_job(scan)))
            await fake.wait_until(lambda: bool(fake.requests_to("POST /channels/{channel_id}/messages")), 5,
                                  "the first DM attempt")
            assert not fake.dms_for(alice)  # still on its way when the shutdown begins (leaving this block)
        assert len(fake.dms_for(alice)) == 1
        db = await Database.open(settings.database_path)
        try:
            row = await db.fetchone("SELECT claimed_by, next_reminder_at FROM checkin_members WHERE user_id = ?",
                                    (alice.id,))
        finally:
            await db.close()
        assert row is not None and row["claimed_by"] is None and row["next_reminder_at"].startswith("2026-11-24")


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], ["0", 2], [0]])
async def test_an_invalid_shard_in_identify_is_closed_with_4010(shard: list[object]) -> None:
    import aiohttp

    async with FakeDiscord() as fake, aiohttp.ClientSession() as session, \
            session.ws_connect(fake.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}})
        message = await ws.receive()
        assert message.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4010
        assert fake.identify_count == 0
