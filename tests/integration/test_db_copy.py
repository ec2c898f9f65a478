"""``supportbot db copy``: a real SQLite deployment moved to PostgreSQL, verified, and served."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.__main__ import main
from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import Database, parse_database_url
from bot.db.copy import CopyRefused, copy_database, copy_order
from bot.ui import Actor
from tests.integration.test_checkins import opt_in
from tests.pg import ThrowawayPostgres

pytestmark = pytest.mark.postgresql



@pytest.fixture
def empty_pg(postgres_server: ThrowawayPostgres) -> Iterator[str]:
    with postgres_server.database(migrated=False) as url:
        yield url


async def _deployment(settings: Settings, clock: ManualClock, member: Actor) -> None:
    """A SQLite deployment with data in most tables: check-ins with an encrypted note, a pause,
    a region, a vote, an unanswered question, quiet mode, a moderator's proposal."""
    app = await SupportApp.open(settings, clock=clock)
    try:
        await opt_in(app, member, "Europe/London", "8pm")
        await app.checkins.log_checkin(member, pain=4, fatigue=6, note="knee flare after the stairs")
        await app.checkins.pause(member, days=2)
        await app.care.set_region(member, country="GB")
        await app.faq.vote(member, "pacing", helpful=True)
        await app.faq.ask(member, "best pizza in town")
        await app.watch_commands.quiet(member)
        await app.faq_store.flush_events()
    finally:
        await app.close()


async def test_a_sqlite_deployment_moves_to_postgresql(settings: Settings, clock: ManualClock, member: Actor,
                                                      empty_pg: str) -> None:
    await _deployment(settings, clock, member)
    source = settings.database
    report = await copy_database(source, parse_database_url(empty_pg))
    by_table = {r.table: r for r in report}
    assert all(r.ok for r in report)
    assert by_table["checkins"].source_rows == 1 and by_table["checkin_members"].target_rows == 1
    assert by_table["member_regions"].target_rows == 1 and by_table["faq_feedback"].target_rows == 1
    assert by_table["app_secrets"].target_rows >= 1 and by_table["faq_events"].target_rows >= 1
    assert sum(r.source_rows for r in report) >= 8

    # The bot runs on the copy with the same key: the note decrypts, new rows get new ids.
    moved = settings.model_copy(update={"database_url": empty_pg})
    assert moved.database.dialect == "postgresql"
    app = await SupportApp.open(moved, clock=clock)
    try:
        [row] = await app.checkins.store.checkins(member.user_id)
        assert row.note == "knee flare after the stairs" and row.pain == 4
        before = await app.db.fetchval("SELECT MAX(id) FROM faq_events")
        await app.faq.ask(member, "what is pacing")
        await app.faq_store.flush_events()
        assert await app.db.fetchval("SELECT MAX(id) FROM faq_events") > before
    finally:
        await app.close()

    # A second copy into the same (now non-empty) database is refused and changes nothing.
    async with await Database.open(empty_pg) as db:
        counts = {t: await db.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in await db.tables()}
    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(source, parse_database_url(empty_pg))
    async with await Database.open(empty_pg) as db:
        assert {t: await db.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in await db.tables()} == counts


def test_the_command_line_reports_each_table(settings: Settings, clock: ManualClock, member: Actor,
                                            empty_pg: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_deployment(settings, clock, member))
    source = f"sqlite:///{settings.database_path}"
    assert main(["db", "copy", "--from", source, "--to", empty_pg]) == 0
    out = capsys.readouterr().out
    assert "checkins: 1 row(s), checksum" in out and "every table's row count and checksum match" in out
    assert main(["db", "copy", "--from", source, "--to", empty_pg]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["db", "copy", "--from", "sqlite:///nowhere/missing.sqlite3", "--to", empty_pg]) == 1
    assert "there is no database" in capsys.readouterr().err
    assert main(["db", "copy", "--from", "mysql://x/y", "--to", empty_pg]) == 1


async def test_every_foreign_key_parent_is_copied_before_its_children(settings: Settings) -> None:
    async with await Database.open(settings.database) as db:
        tables = await db.tables()
        order = copy_order(tables)
        for table in tables:
            for parent in await db.fetchall("SELECT \"table\" FROM pragma_foreign_key_list(?)", (table,)):
                assert order.index(parent[0]) < order.index(table), (parent[0], table)


async def test_a_dropped_connection_is_opened_again_for_the_next_statement(empty_pg: str) -> None:
    """A server restart or failover drops the connection: the statement in flight fails (it may
    have committed, so it is never retried), and the next one connects again."""
    import asyncpg

    async with await Database.open(empty_pg) as db:
        await db.execute("INSERT INTO watch_quiet (user_id, since) VALUES (?, ?)", (1, "t"))
        pid = await db.fetchval("SELECT pg_backend_pid()")
        admin = await asyncpg.connect(empty_pg)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
        finally:
            await admin.close()
        # Whether the driver has already seen the connection close is a race with the server: if it
        # has, this statement runs on a new connection; if not, it fails and is not retried.
        try:
            first = await db.fetchval("SELECT COUNT(*) FROM watch_quiet")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError):
            first = None
        assert first in (None, 1)
        assert await db.fetchval("SELECT COUNT(*) FROM watch_quiet") == 1
        assert await db.fetchval("SELECT pg_backend_pid()") != pid
