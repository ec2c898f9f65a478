"""The real bot, through its real start-up path, against the local fake Discord.

Only ``DISCORD_API_BASE`` differs from production. The fixture watches the client task, so a
crash fails the test, and at teardown asserts every request the bot sent matched Discord's own
API description and that nothing could ping anyone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.client import SupportBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from tests.conftest import CONTENT

from .fake_discord import FakeDiscord, FakeGuild, FakeUser, running_client

TOKEN = "fake-bot-token"


@dataclass
class World:
    fake: FakeDiscord
    bot: SupportBot
    guild: FakeGuild
    alice: FakeUser
    bob: FakeUser
    mod: FakeUser
    admin: FakeUser
    clock: ManualClock  # the bot's clock: move it with set() or advance(), never replace it

    @property
    def app(self):
        return self.bot.app


def e2e_settings(tmp_path: Path, fake: FakeDiscord, guild_id: int) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=TOKEN,
        database_path=tmp_path / "e2e.sqlite3",
        content_dir=CONTENT,
        dev_guild_id=guild_id,
        discord_api_base=fake.url,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def world(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[World]:
    guild = fake.guild("Fibro Friends", channels=["general", "mod-alerts", "mod-audit"], roles=["Moderators"])
    alice = fake.user("alice", guild=guild)
    bob = fake.user("bob", guild=guild)
    mod = fake.user("mia", guild=guild, roles=["Moderators"])
    admin = fake.user("ada", guild=guild, manage_guild=True)
    clock = ManualClock(datetime.now(UTC))
    bot = await create_bot(e2e_settings(tmp_path, fake, guild.id), clock=clock)
    async with running_client(fake, bot, token=TOKEN):
        yield World(fake, bot, guild, alice, bob, mod, admin, clock)
    fake.assert_clean()
