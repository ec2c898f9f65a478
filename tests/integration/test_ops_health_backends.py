"""``supportbot health``'s database check on both backends: a migrated database passes, one behind
fails, an unreachable server fails with its password hidden."""

from __future__ import annotations

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import Database
from bot.db.database import latest_version
from bot.ops.health import check_database

pytestmark = pytest.mark.both_backends


async def test_a_migrated_database_is_healthy_and_one_behind_is_not(settings: Settings, clock: ManualClock,
                                                                     backend: str) -> None:
    app = await SupportApp.open(settings, clock=clock)
    await app.close()
    report = check_database(settings)
    assert report["ok"] is True and report["version"] == report["latest"] == latest_version()
    assert report.get("backend", "sqlite") == backend
    db = await Database.open(settings.database, migrate=False)
    try:
        if backend == "postgresql":
            await db.execute("UPDATE schema_version SET version = ?", (latest_version() - 1,))
        else:
            await db.execute(f"PRAGMA user_version = {latest_version() - 1}")
    finally:
        await db.close()
    behind = check_database(settings)
    assert behind["ok"] is False and behind["version"] == latest_version() - 1


def test_an_unreachable_postgresql_is_unhealthy_and_its_password_stays_hidden(settings: Settings) -> None:
    url = "postgresql://supportbot:hunter2-secret@127.0.0.1:9/supportbot"
    report = check_database(settings.model_copy(update={"database_url": url}))
    assert report["ok"] is False and "cannot reach the database" in report["error"]
    assert "hunter2-secret" not in str(report) and "supportbot:***@127.0.0.1:9" in report["url"]
