"""A new SQLite database holds health data: only its owner may read it, WAL files included."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from bot.db import Database


def _others_bits(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode) & (stat.S_IRWXG | stat.S_IRWXO)


async def test_a_new_database_and_its_wal_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical umask, which would otherwise give 0644
    try:
        path = tmp_path / "sub" / "bot.sqlite3"
        async with await Database.open(str(path)) as db:
            await db.execute("INSERT INTO watch_quiet (user_id, since) VALUES (?, ?)", (1, "t"))
            wal = Path(f"{path}-wal")
            assert _others_bits(path) == 0
            assert _others_bits(wal) == 0
    finally:
        os.umask(old)


async def test_an_existing_readable_database_is_kept_as_it_is_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(str(path)):
        pass
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="bot.db.sqlite"):
        async with await Database.open(str(path)):
            pass
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # the operator's choice is not changed
    assert any("read by other users" in r.getMessage() for r in caplog.records)
