"""The database: pragmas, numbered migrations in one transaction, refusing a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, latest_version


async def test_fresh_database_is_migrated_with_safe_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "nested" / "db.sqlite3")
    try:
        assert await db.version() == latest_version() >= 1
        assert (await db.fetchval("PRAGMA journal_mode")).lower() == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA secure_delete") == 1
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO faq_events (kind, at) VALUES ('answer', '2026-01-01T00:00:00Z')")
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.fetchval("SELECT COUNT(*) FROM faq_events") == 1
    finally:
        await db.close()


async def test_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {latest_version() + 5}")
    raw.close()
    with pytest.raises(DatabaseError, match="only knows up to"):
        await Database.open(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == latest_version() + 5
    assert raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
    raw.close()


async def test_a_failing_migration_leaves_the_database_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.db import database

    real = database._migrations()
    broken = [*real, (len(real) + 1, f"{len(real) + 1:03d}_broken.sql", "CREATE TABLE ok_one (x INTEGER); THIS IS NOT SQL;")]
    monkeypatch.setattr(database, "_migrations", lambda: broken)
    with pytest.raises(DatabaseError, match="nothing was changed"):
        await Database.open(tmp_path / "db.sqlite3")
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    assert raw.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok_one'").fetchone()[0] == 0
    raw.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO faq_events (kind, at) VALUES ('answer', 'x')")
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM faq_events") == 0
    finally:
        await db.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    from bot.db.database import _migrations

    versions = [v for v, _, _ in _migrations()]
    assert versions == list(range(1, len(versions) + 1))
