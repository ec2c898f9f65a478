"""The Database interface behaves the same on SQLite and PostgreSQL: one migration history, the
runner's refusals, statements, transactions, and the introspection the privacy checks use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import Database, DatabaseError, latest_version
from bot.db import database as schema
from bot.ui import Actor
from tests.pg import ThrowawayPostgres

pytestmark = pytest.mark.both_backends


@pytest.fixture
def empty_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database nothing has been written to yet: a new SQLite path, or an empty PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    with server.database(migrated=False) as url:
        yield url


async def test_a_new_database_gets_the_whole_history(empty_target: str, backend: str) -> None:
    db = await Database.open(empty_target)
    try:
        assert db.dialect == backend
        assert await db.version() == latest_version() >= 8
        assert await db.integrity_check() == "ok"
        tables = await db.tables()
        assert {"checkins", "checkin_members", "faq_revisions", "watch_alerts", "faq_feedback"} <= set(tables)
        assert "schema_version" not in tables and not any(t.startswith("sqlite_") for t in tables)
        assert await db.columns("checkins") == ["user_id", "day", "pain", "fatigue", "sleep", "fog", "mood", "flare",
                                                "note", "created_at", "updated_at", "zone"]
    finally:
        await db.close()


async def test_statements_behave_alike(empty_target: str) -> None:
    async with await Database.open(empty_target) as db:
        first = await db.insert("INSERT INTO faq_events (guild_id, kind, entry_id, at) VALUES (?, 'answer', ?, ?)",
                                (900_000_000_000_000_001, "pacing", "2026-01-01T00:00:00.000000Z"))
        second = await db.insert("INSERT INTO faq_events (guild_id, kind, entry_id, at) VALUES (?, 'no_match', NULL, ?)",
                                 (None, "2026-01-02T00:00:00.000000Z"))
        assert second > first >= 1
        # a question mark inside a string literal is text, not a placeholder
        assert await db.execute("UPDATE faq_events SET entry_id = 'why?' WHERE id = ?", (second,)) == 1
        row = await db.fetchone("SELECT id, guild_id, entry_id FROM faq_events WHERE id = ?", (second,))
        assert row is not None and row["entry_id"] == "why?" and row[0] == second and row["guild_id"] is None
        # 64-bit Discord ids round-trip; sums come back as plain integers on both
        assert await db.fetchval("SELECT guild_id FROM faq_events WHERE id = ?", (first,)) == 900_000_000_000_000_001
        total = await db.fetchval("SELECT SUM(id) FROM faq_events")
        assert total == first + second and isinstance(total, int)
        # NULL-safe comparison, the portable way (never SQLite's "IS ?")
        nulls = await db.fetchall("SELECT id FROM faq_events WHERE guild_id IS NOT DISTINCT FROM ?", (None,))
        assert [r["id"] for r in nulls] == [second]
        assert await db.execute("DELETE FROM faq_events WHERE id IN (?, ?)", (first, second)) == 2
        assert await db.scrub() is True


async def test_a_transaction_commits_together_or_not_at_all(empty_target: str) -> None:
    async with await Database.open(empty_target) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.insert("INSERT INTO faq_events (kind, at) VALUES ('answer', ?)", ("x",))
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM faq_events") == 0
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO faq_events (kind, at) VALUES (?, ?)", [("answer", "a"), ("safety", "b")])
            assert len(await tx.fetchall("SELECT id FROM faq_events")) == 2
        assert await db.fetchval("SELECT COUNT(*) FROM faq_events") == 2


async def test_text_sorts_and_compares_byte_by_byte_on_both(empty_target: str) -> None:
    """Whatever locale a PostgreSQL server was created with, text orders as SQLite's does."""
    words = ["back-pain", "backache", "Back", "b", "a-z", "az", "é", "e", "2026-01-10", "2026-01-02T00:00Z"]
    async with await Database.open(empty_target) as db:
        for i, word in enumerate(words):
            await db.execute("INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?)", (word, str(i), "t"))
        rows = await db.fetchall("SELECT name FROM app_secrets ORDER BY name")
        assert [r[0] for r in rows] == sorted(words)
        later = await db.fetchall("SELECT name FROM app_secrets WHERE name > ? ORDER BY name", ("backache",))
        assert [r[0] for r in later] == sorted(w for w in words if w > "backache")


async def test_upserts_and_conflicts_are_portable(empty_target: str) -> None:
    async with await Database.open(empty_target) as db:
        sql = ("INSERT INTO member_regions (user_id, country, updated_at) VALUES (?, ?, ?) "
               "ON CONFLICT (user_id) DO UPDATE SET country = excluded.country, updated_at = excluded.updated_at")
        await db.execute(sql, (7, "GB", "t1"))
        await db.execute(sql, (7, "IE", "t2"))
        assert await db.fetchval("SELECT country FROM member_regions WHERE user_id = ?", (7,)) == "IE"
        nothing = "INSERT INTO watch_quiet (user_id, since) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING"
        assert await db.execute(nothing, (7, "t1")) == 1
        assert await db.execute(nothing, (7, "t2")) == 0


async def test_migrating_again_changes_nothing(empty_target: str) -> None:
    db = await Database.open(empty_target)
    await db.execute("INSERT INTO faq_events (kind, at) VALUES ('answer', '2026-01-01T00:00:00Z')")
    await db.close()
    db = await Database.open(empty_target)
    try:
        assert await db.migrate() == latest_version()
        assert await db.fetchval("SELECT COUNT(*) FROM faq_events") == 1
    finally:
        await db.close()


async def _set_version(db: Database, version: int) -> None:
    if db.dialect == "sqlite":
        await db.execute(f"PRAGMA user_version = {version:d}")
    else:
        await db.execute("UPDATE schema_version SET version = ?", (version,))


async def test_a_newer_database_is_refused_and_left_alone(empty_target: str) -> None:
    db = await Database.open(empty_target)
    await _set_version(db, latest_version() + 5)
    await db.close()
    with pytest.raises(DatabaseError, match="only knows up to"):
        await Database.open(empty_target)
    db = await Database.open(empty_target, migrate=False)
    try:
        assert await db.version() == latest_version() + 5
    finally:
        await db.close()


async def test_a_failing_migration_changes_nothing(empty_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = schema._migrations()
    broken = [*real, (len(real) + 1, f"{len(real) + 1:03d}_broken.sql",
                      "CREATE TABLE ok_one (x INTEGER); THIS IS NOT SQL;")]
    monkeypatch.setattr(schema, "_migrations", lambda: broken)
    with pytest.raises(DatabaseError, match="nothing was changed"):
        await Database.open(empty_target)
    db = await Database.open(empty_target, migrate=False)
    try:
        assert await db.version() == 0
        assert await db.tables() == []
    finally:
        await db.close()


async def test_deleting_a_member_scrubs_the_engine_files(app: SupportApp, member: Actor, backend: str) -> None:
    """SQLite: the log is checkpointed and truncated. PostgreSQL: the member tables are vacuumed,
    so the deleted rows are gone from tables and indexes at once, not whenever autovacuum runs."""
    from tests.integration.test_checkins import opt_in

    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=4, note="to be deleted")
    await app.privacy.delete_all(member.user_id)
    assert await app.db.fetchval("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (member.user_id,)) == 0
    if backend == "sqlite":
        wal = app.settings.database_path.with_name(app.settings.database_path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
    else:
        vacuumed = await app.db.fetchall(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL ORDER BY relname")
        assert {"checkins", "checkin_members", "checkin_pauses"} <= {r[0] for r in vacuumed}


async def test_key_rotation_runs_on_either_backend(settings: Settings, clock: ManualClock,
                                                                member: Actor) -> None:
    from bot.keys import rotate_keys
    from tests.integration.test_checkins import opt_in

    app = await SupportApp.open(settings, clock=clock)
    try:
        await opt_in(app, member)
        await app.checkins.log_checkin(member, pain=5, note="rotate me")
    finally:
        await app.close()
    assert "re-encrypted" in (await rotate_keys(settings)).lower()
    app = await SupportApp.open(settings, clock=clock)
    try:
        [row] = await app.checkins.store.checkins(member.user_id)
        assert row.note == "rotate me"
    finally:
        await app.close()
