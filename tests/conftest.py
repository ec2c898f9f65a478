"""Shared fixtures: real settings, a real SQLite file with migrations, the real content pack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.ui import Actor

# A throwaway PostgreSQL server for the tests marked ``postgresql`` (started only if one asks).
pytest_plugins = ("tests.postgres_server",)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "data" / "test.sqlite3",
        content_dir=CONTENT,
        discord_token=None,
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[SupportApp]:
    application = await SupportApp.open(settings, clock=clock)
    try:
        yield application
    finally:
        await application.close()


@pytest.fixture
def member() -> Actor:
    return Actor(user_id=111_111_111_111_111_111, display_name="Alice", guild_id=900_000_000_000_000_001,
                 channel_id=900_000_000_000_000_002)
