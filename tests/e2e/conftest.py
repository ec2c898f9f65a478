"""The real bot, through its real start-up path, against the local fake Discord.

Only ``DISCORD_API_BASE`` differs from production. The fixture watches the client task, so a
crash fails the test, and at teardown asserts every request the bot sent matched Discord's own
API description and that nothing could ping anyone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
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


def e2e_settings(tmp_path: Path, fake: FakeDiscord, guild_id: int, database_url: str | None = None) -> Settings:
    """``database_url``: a PostgreSQL database for tests marked ``both_backends`` (else SQLite)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=TOKEN,
        database_path=tmp_path / "e2e.sqlite3",
        database_url=database_url,
        content_dir=CONTENT,
        dev_guild_id=guild_id,
        discord_api_base=fake.url,
    )


class Recorder(logging.Handler):
    """Every log record, fully formatted (message and traceback), from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def debug_logs() -> Iterator[Recorder]:
    """The whole end-to-end suite runs with the root logger at DEBUG, as a careless host could
    set it: whatever the bot's own logging set-up, no record may carry what members typed."""
    root = logging.getLogger()
    recorder = Recorder()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)


def member_texts(fake: FakeDiscord) -> set[str]:
    """Every free text a member sent in this test: string options and form fields."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == 3 and isinstance(node.get("value"), str):  # a string option
                found.add(node["value"])
            if "custom_id" in node and isinstance(node.get("value"), str):  # a form field
                found.add(node["value"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for result in fake.interactions.values():
        walk(result.payload.get("data", {}))
    return {t.strip() for t in found if len(t.strip()) >= 8}


def assert_logs_carry_no_member_text(fake: FakeDiscord, recorder: Recorder) -> None:
    texts = member_texts(fake)
    leaks = [(text, line[:200]) for line in recorder.lines for text in texts if text in line]
    assert not leaks, f"log records carry member text: {leaks[:3]}"
    payloads = [line[:200] for line in recorder.lines if "INTERACTION_CREATE" in line or '"options"' in line
                or "'options'" in line]
    assert not payloads, f"log records carry interaction payloads: {payloads[:3]}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@asynccontextmanager
async def open_world(fake: FakeDiscord, settings_for: Callable[[int], Settings]) -> AsyncIterator[World]:
    """The usual server (members alice and bob, moderator mia, admin ada) with the real bot
    connected; ``settings_for(guild_id)`` gives the bot's settings. Fails if the fake saw anything
    Discord would refuse."""
    guild = fake.guild("Fibro Friends", channels=["general", "mod-alerts", "mod-audit"], roles=["Moderators"])
    alice = fake.user("alice", guild=guild)
    bob = fake.user("bob", guild=guild)
    mod = fake.user("mia", guild=guild, roles=["Moderators"])
    admin = fake.user("ada", guild=guild, manage_guild=True)
    clock = ManualClock(datetime.now(UTC))
    bot = await create_bot(settings_for(guild.id), clock=clock)
    async with running_client(fake, bot, token=TOKEN):
        yield World(fake, bot, guild, alice, bob, mod, admin, clock)
    fake.assert_clean()


@pytest.fixture
async def world(tmp_path: Path, fake: FakeDiscord, debug_logs: Recorder,
                database_url: str | None) -> AsyncIterator[World]:
    async with open_world(fake, lambda guild_id: e2e_settings(tmp_path, fake, guild_id, database_url)) as world:
        yield world
    assert_logs_carry_no_member_text(fake, debug_logs)
