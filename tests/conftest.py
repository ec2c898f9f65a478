"""Shared fixtures: real settings, a real database with migrations, the real content pack.

The database is SQLite unless a test module (or test) is marked ``both_backends``: its tests then
run twice, ``[sqlite]`` and ``[postgresql]``, the second on a fresh database of the throwaway
PostgreSQL server (``tests/pg.py``), started once, on first use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.ui import Actor
from tests.pg import ThrowawayPostgres

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize(
            "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayPostgres) -> Iterator[str]:
    """A fresh PostgreSQL database, for tests about several processes sharing one (PostgreSQL only)."""
    with postgres_server.database() as url:
        yield url


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: which database this test runs on."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite (the file lives in the test's folder), else a fresh PostgreSQL database."""
    if backend != "postgresql":
        yield None
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "data" / "test.sqlite3",
        database_url=database_url,
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
