"""``supportbot backup PATH`` and ``supportbot restore PATH`` for the SQLite database.

Why the online backup API: copying ``supportbot.sqlite3`` with ``cp`` while the bot runs can catch
the file between a commit and its checkpoint (the newest check-ins live in the ``-wal`` file), so
the copy may be torn or lack acknowledged writes. ``sqlite3.Connection.backup`` copies a consistent
snapshot in one step while the bot keeps writing (in WAL mode a reader never blocks the writer).

Why the key stays out: notes and the vote salt are encrypted with the data key, and the key is
deliberately never in the database, so a stolen backup reveals no note. A backup therefore holds
no key unless the operator asks (``--with-key`` writes ``PATH.key`` beside it, mode 0600); the key
must be backed up separately (or live in a secret store as ``DATA_KEY``).

A restore refuses while a bot runs on the target (the run lock every bot holds), checks the backup's
integrity and schema version and that the configured key opens it *before* anything is replaced,
and replaces the database in one rename (a crash leaves the old file or the new, never half).
PostgreSQL deployments get ``pg_dump`` / ``pg_restore`` guidance instead.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import Settings
from bot.crypto import DataKeyError, DecryptError
from bot.db import DatabaseUrl
from bot.db.database import latest_version
from bot.keys import CHECK_NAME, RunLock, configured_keyring, key_file_path, read_key_file, write_key_file
from bot.ops.health import open_read_only as _open_ro

NOT_DONE = 2  # exit status when the command had to refuse (nothing was changed)


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and that nothing changed."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a database file holds, as far as a backup or restore needs to know."""

    version: int
    size_bytes: int
    check_value: str | None  # the data key's check value, when the database holds encrypted data


def _match_owner(path: Path, folder: Path) -> None:
    """Run as root (``sudo supportbot restore``), a new file would belong to root and the bot's
    own user could not open it: give it the owner of the folder it lives in."""
    if os.geteuid() == 0:
        info = folder.stat()
        os.chown(path, info.st_uid, info.st_gid)


def inspect(path: Path, *, integrity: bool = True) -> Snapshot:
    """Integrity, schema version and key check value of a database file, read-only (the live
    database is not integrity-checked before a backup: its copy is, page for page the same)."""
    if not path.is_file():
        raise BackupError(f"there is no database file at {path}; nothing was changed")
    try:
        conn = _open_ro(path)
        try:
            status = str(conn.execute("PRAGMA integrity_check").fetchone()[0]) if integrity else "ok"
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            check = None
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'app_secrets'").fetchone():
                row = conn.execute("SELECT value FROM app_secrets WHERE name = ?", (CHECK_NAME,)).fetchone()
                check = None if row is None else str(row[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}); nothing was changed") from None
    if status != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check ({status}); nothing was changed")
    return Snapshot(version, path.stat().st_size, check)


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` at ``target`` (a new file, mode 0600), as one self-contained
    file (rollback journal, no ``-wal`` beside it), flushed to disk."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    src = _open_ro(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # every page in one step: one snapshot, however busy the bot is
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _size(count: int) -> str:
    return f"{count / 1_048_576:.1f} MB" if count >= 1_048_576 else f"{count / 1024:.0f} KB"


def pg_guidance(url: DatabaseUrl, action: str) -> str:
    """What to run instead on PostgreSQL (its own tools), with the password hidden."""
    shown = url.shown
    name = (urlsplit(url.target).path or "/").lstrip("/") or "supportbot"
    if action == "backup":
        return (
            f"DATABASE_URL points at PostgreSQL ({shown}); supportbot backup copies SQLite files only.\n"
            "Use PostgreSQL's own tool, which takes a consistent snapshot while the bot runs:\n"
            f'  pg_dump --format=custom --file=supportbot-$(date -u +%Y%m%dT%H%M%SZ).dump "$DATABASE_URL"\n'
            "(with compose: docker compose exec -T db pg_dump -U supportbot --format=custom "
            f"{name} > supportbot.dump). The data key is not in the dump: back up DATA_KEY or the key "
            "file separately."
        )
    return (
        f"DATABASE_URL points at PostgreSQL ({shown}); supportbot restore replaces SQLite files only.\n"
        "Stop every bot process first, then:\n"
        f'  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" supportbot.dump\n'
        "and start the bot with the data key that was in use when the dump was taken."
    )


# -- backup ----------------------------------------------------------------------------------------

def backup(settings: Settings, target: Path, *, with_key: bool = False) -> list[str]:
    """Write a consistent copy of the database to ``target``; the lines to print."""
    source = Path(settings.database.target)
    if str(source) == ":memory:":
        raise BackupError("DATABASE_PATH is :memory:; there is no file to back up")
    snapshot = inspect(source, integrity=False)
    if target.is_dir():
        target = target / f"supportbot-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite3"
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name (a backup never overwrites a file)")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        copied = inspect(partial)
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    lines = [f"Backed up {source} to {target} ({_size(copied.size_bytes)}, schema version {copied.version}, "
             "integrity ok, permissions 0600)."]
    lines.extend(_key_lines(settings, target, snapshot, with_key))
    lines.append("The backup holds members' check-ins: keep it private, and keep backups only as long as you "
                 "need them (a member's deletion cannot reach a backup taken before it).")
    return lines


def _key_lines(settings: Settings, target: Path, snapshot: Snapshot, with_key: bool) -> list[str]:
    from_env = settings.data_key is not None and bool(settings.data_key.get_secret_value().strip())
    key_file = key_file_path(settings)
    if snapshot.check_value is None:
        return ["The database holds no encrypted data yet, so no data key is needed to restore it."]
    if from_env:
        return ["The data key is not in the backup: it is in DATA_KEY. Keep it in your secret store; "
                "without it the encrypted notes in this backup cannot be read."]
    if with_key and key_file is not None and key_file.is_file():
        read_key_file(key_file)  # refuses a key file others can read, or a damaged one
        keys = [line.strip() for line in key_file.read_text(encoding="ascii").splitlines() if line.strip()]
        key_copy = target.with_name(target.name + ".key")
        write_key_file(key_copy, keys)
        return [f"As asked, the data key was copied to {key_copy} (permissions 0600). Store it APART from the "
                "backup (another disk, a password manager): together they reveal every note."]
    return [f"The data key is NOT in the backup. Back up the key file {key_file} separately (not next to "
            "the backup): without it the encrypted notes cannot be read; with --with-key it is copied beside "
            "the backup."]


def _run(settings: Settings, verb: str, failed: str, action: Callable[[], list[str]]) -> int:
    """One command's outcome: 0 done (its lines printed), 1 refused (why, on stderr), 2 on
    PostgreSQL, whose own tools do this (guidance printed)."""
    import sys

    if settings.database.dialect == "postgresql":
        print(pg_guidance(settings.database, verb), file=sys.stderr)
        return NOT_DONE
    try:
        lines = action()
    except (BackupError, DataKeyError) as exc:
        print(f"{failed}: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def backup_command(settings: Settings, target: Path, *, with_key: bool = False) -> int:
    """``supportbot backup``: 0 when made, 1 when refused, 2 on PostgreSQL (guidance printed)."""
    return _run(settings, "backup", "Backup not made", lambda: backup(settings, target, with_key=with_key))


# -- restore ---------------------------------------------------------------------------------------

def verify_restorable(settings: Settings, source: Path) -> Snapshot:
    """Everything checked before a restore may replace anything, or :class:`BackupError` saying why."""
    snapshot = inspect(source)
    latest = latest_version()
    if snapshot.version == 0:
        raise BackupError(f"{source} is not a supportbot database (no schema); nothing was changed")
    if snapshot.version > latest:
        raise BackupError(f"{source} is at schema version {snapshot.version}, newer than this supportbot "
                          f"knows ({latest}); upgrade supportbot first. Nothing was changed.")
    if snapshot.check_value is not None:
        ring, where = configured_keyring(settings)
        if ring is None:
            raise BackupError(f"the backup holds data encrypted with a data key, and {where} does not exist: put "
                              "the key that was in use when the backup was made there first (or set DATA_KEY). "
                              "Nothing was changed.")
        try:
            ring.decrypt(snapshot.check_value, f"app_secrets:{CHECK_NAME}")
        except DecryptError:
            raise BackupError(f"{where} does not open this backup (it was made with another key): put the key "
                              "that was in use when the backup was made in place first. Nothing was changed.") from None
    return snapshot


def restore(settings: Settings, source: Path, *, replace: bool = False) -> list[str]:
    """Put the backup in place of the database (see the module docstring); the lines to print."""
    target = Path(settings.database.target)
    if str(target) == ":memory:":
        raise BackupError("DATABASE_PATH is :memory:; there is no file to restore into")
    if source.resolve() == target.resolve():
        raise BackupError("the backup is the database itself; nothing was changed")
    snapshot = verify_restorable(settings, source)
    lock = RunLock(target)
    if not lock.try_exclusive():
        raise BackupError(f"a bot is running on {target}; stop it before restoring (nothing was changed)")
    try:
        if lock.path is not None:  # a lock file this restore created must stay the bot's to open
            _match_owner(lock.path, target.parent)
        if target.exists() and not replace:
            current = inspect(target)
            raise BackupError(
                f"{target} already holds a database ({_size(current.size_bytes)}, schema version {current.version}). "
                "Restoring replaces it: take a backup of it first if you may need it "
                "(`supportbot backup PATH`), then run restore again with --replace. Nothing was changed."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.restoring")
        staged.unlink(missing_ok=True)
        try:
            _copy(source, staged)
            inspect(staged)
            # The old database's log must not be replayed into the restored file.
            for suffix in ("-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{target}{suffix}").unlink()
            _match_owner(staged, target.parent)
            os.replace(staged, target)
            _fsync_dir(target.parent)
        finally:
            staged.unlink(missing_ok=True)
    finally:
        lock.release()
    latest = latest_version()
    migrate = "" if snapshot.version == latest else f"; the bot migrates it to {latest} when it starts"
    return [
        f"Restored {source} into {target} (schema version {snapshot.version}{migrate}).",
        "Anything written after the backup was taken is gone, and data members deleted since then is back: "
        "if a member deleted their data after this backup, delete it again for them (or ask them to).",
    ]


def restore_command(settings: Settings, source: Path, *, replace: bool = False) -> int:
    """``supportbot restore``: 0 when restored, 1 when refused, 2 on PostgreSQL (guidance printed)."""
    return _run(settings, "restore", "Restore not done", lambda: restore(settings, source, replace=replace))
