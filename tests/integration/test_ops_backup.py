"""``supportbot backup`` and ``restore`` on a real database: a consistent copy while the bot writes,
the key kept out unless asked, and a restore that refuses a running bot, a damaged or foreign
file, a newer schema and a key that cannot open it, before anything is replaced."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.__main__ import main
from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.crypto import generate_key
from bot.db.database import latest_version
from bot.keys import key_file_path
from bot.ops.backup import BackupError, backup, restore
from bot.ui import Actor
from tests.integration.test_checkins import opt_in


def members(count: int) -> list[Actor]:
    return [Actor(user_id=500_000_000_000_000_000 + i, display_name=f"m{i}", guild_id=900_000_000_000_000_001,
                  channel_id=900_000_000_000_000_002) for i in range(count)]


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(conn.execute(sql))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_backup_while_the_bot_writes_is_consistent_and_holds_every_acknowledged_checkin(
    app: SupportApp, tmp_path: Path
) -> None:
    people = members(30)
    for person in people:
        await opt_in(app, person)
    acknowledged = 0
    for person in people[:10]:
        await app.checkins.log_checkin(person, pain=3, note="stiff morning after rain")
        acknowledged += 1
    target = tmp_path / "backups" / "one.sqlite3"
    # The copy runs in a thread while check-ins keep streaming in on the loop.
    copying = asyncio.create_task(asyncio.to_thread(backup, app.settings, target))
    for person in people[10:]:
        await app.checkins.log_checkin(person, pain=5)
    lines = await copying

    assert "integrity ok" in lines[0] and "NOT in the backup" in lines[1]
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    assert rows(target, "PRAGMA user_version") == [(latest_version(),)]
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    saved = rows(target, "SELECT COUNT(*) FROM checkins")[0][0]
    assert acknowledged <= saved <= len(people)  # everything acknowledged before it, nothing torn
    assert rows(target, "SELECT COUNT(*) FROM checkin_members")[0][0] == len(people)
    assert mode(target) == 0o600
    key_file = key_file_path(app.settings)
    assert key_file is not None
    key = key_file.read_text(encoding="ascii").strip()
    data = target.read_bytes()
    assert key.encode() not in data and b"stiff morning" not in data  # no key, notes encrypted
    assert not target.with_name(target.name + ".key").exists()
    assert not list(target.parent.glob(".*partial"))


async def test_with_key_copies_the_key_beside_the_backup_only_when_asked(app: SupportApp, member: Actor,
                                                                      tmp_path: Path) -> None:
    await opt_in(app, member)
    lines = backup(app.settings, tmp_path / "b.sqlite3", with_key=True)
    copy = tmp_path / "b.sqlite3.key"
    key_file = key_file_path(app.settings)
    assert key_file is not None
    assert copy.read_text(encoding="ascii") == key_file.read_text(encoding="ascii")
    assert mode(copy) == 0o600
    assert "APART" in lines[1]


async def test_backup_never_overwrites_and_a_folder_gets_a_dated_file(app: SupportApp, tmp_path: Path) -> None:
    existing = tmp_path / "taken.sqlite3"
    existing.write_bytes(b"someone's file")
    with pytest.raises(BackupError, match="already exists"):
        backup(app.settings, existing)
    assert existing.read_bytes() == b"someone's file"
    folder = tmp_path / "daily"
    folder.mkdir()
    backup(app.settings, folder)
    [made] = list(folder.iterdir())
    assert made.name.startswith("supportbot-") and made.suffix == ".sqlite3"


async def test_restore_refuses_while_a_bot_runs_then_restores_after_it_stops(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    early, late = members(2)
    app = await SupportApp.open(settings, clock=clock)
    try:
        await opt_in(app, early)
        await app.checkins.log_checkin(early, pain=2)
        saved = tmp_path / "before.sqlite3"
        backup(settings, saved)
        await opt_in(app, late)
        with pytest.raises(BackupError, match="a bot is running"):
            restore(settings, saved, replace=True)
        assert rows(settings.database_path, "SELECT COUNT(*) FROM checkin_members")[0][0] == 2  # untouched
    finally:
        await app.close()

    with pytest.raises(BackupError, match="--replace"):
        restore(settings, saved)
    restore_over_a_stale_log(settings, saved)

    reopened = await SupportApp.open(settings, clock=clock)  # the bot starts on it with its key
    try:
        assert await reopened.checkins.store.member(early.user_id) is not None
        assert await reopened.checkins.store.member(late.user_id) is None  # written after the backup
        assert await reopened.checkins.store.count(early.user_id) == 1
    finally:
        await reopened.close()


def restore_over_a_stale_log(settings: Settings, saved: Path) -> None:
    log = Path(f"{settings.database_path}-wal")
    log.write_bytes(b"stale log of the old database")
    lines = restore(settings, saved, replace=True)
    assert "Restored" in lines[0] and "deleted since then is back" in lines[1]
    assert not log.exists()  # never replayed into the restored file
    assert mode(settings.database_path) == 0o600


async def test_restore_checks_the_backup_before_replacing_anything(app: SupportApp, member: Actor,
                                                                   settings: Settings, tmp_path: Path) -> None:
    await opt_in(app, member)
    good = tmp_path / "good.sqlite3"
    backup(settings, good)
    await app.close()
    current = settings.database_path.read_bytes()

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(good.read_bytes()[:4096] + b"\x00garbage" * 3000)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(good.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    noise = tmp_path / "noise.sqlite3"
    noise.write_bytes(b"not a database at all" * 100)

    for source, why in [(damaged, "integrity|not a readable"), (foreign, "not a supportbot database"),
                        (newer, "newer than this supportbot"), (noise, "not a readable"),
                        (tmp_path / "missing.sqlite3", "no database file")]:
        with pytest.raises(BackupError, match=why):
            restore(settings, source, replace=True)
    other_key = settings.model_copy(update={"data_key": SecretStr(generate_key())})
    with pytest.raises(BackupError, match="does not open this backup"):
        restore(other_key, good, replace=True)
    no_key = settings.model_copy(update={"data_key_file": tmp_path / "nowhere.key"})
    with pytest.raises(BackupError, match="does not exist"):
        restore(no_key, good, replace=True)
    assert settings.database_path.read_bytes() == current  # nothing was replaced


def test_postgres_gets_pg_dump_guidance_without_the_password(settings: Settings, capsys) -> None:
    from bot.ops import backup as module

    settings = settings.model_copy(update={"database_url": "postgresql://supportbot:s3cret-pass@db:5432/supportbot"})
    assert module.backup_command(settings, Path("unused.dump")) == module.NOT_DONE
    said = capsys.readouterr().err
    assert "pg_dump --format=custom" in said and "s3cret-pass" not in said and "supportbot:***@db" in said
    assert module.restore_command(settings, Path("unused.dump")) == module.NOT_DONE
    said = capsys.readouterr().err
    assert "pg_restore" in said and "s3cret-pass" not in said
    assert not Path("unused.dump").exists()


def test_command_line_backup_and_restore(settings: Settings, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("CONTENT_DIR", str(settings.content_dir))
    assert main(["backup", "nothing-yet.sqlite3"]) == 1  # no database yet: a clear line, no file
    assert "no database file" in capsys.readouterr().err and not Path("nothing-yet.sqlite3").exists()
    assert main(["health"]) == 1  # the first start creates it
    capsys.readouterr()
    asyncio.run(_start_once(settings))
    assert main(["backup", "copy.sqlite3"]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert main(["restore", "copy.sqlite3"]) == 1
    assert "--replace" in capsys.readouterr().err
    assert main(["restore", "--replace", "copy.sqlite3"]) == 0


async def _start_once(settings: Settings) -> None:
    app = await SupportApp.open(settings)
    await app.close()


def test_a_restored_database_and_its_lock_belong_to_the_folders_owner(settings: Settings, tmp_path: Path) -> None:
    """Run as root (``sudo supportbot restore``), files it creates would lock the bot's own user out."""
    asyncio.run(_start_once(settings))
    saved = tmp_path / "saved.sqlite3"
    backup(settings, saved)
    fresh = tmp_path / "new-server" / "state"
    fresh.mkdir(parents=True)
    if os.geteuid() == 0:  # as root, give the folder to another user, as systemd gives it to the bot's
        os.chown(fresh, 12_345, 12_345)
    target = settings.model_copy(update={"database_path": fresh / "supportbot.sqlite3",
                                         "data_key_file": key_file_path(settings)})
    restore(target, saved)
    owner = fresh.stat().st_uid
    assert (fresh / "supportbot.sqlite3").stat().st_uid == owner
    assert (fresh / "supportbot.sqlite3.lock").stat().st_uid == owner
