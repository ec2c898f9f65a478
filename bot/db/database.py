"""aiosqlite connection with the pragmas durability and privacy need, plus migrations."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)
# aiosqlite logs every statement *with its parameters* at DEBUG: that would put check-in notes
# and scores in the logs. Health data never reaches logs, whatever LOG_LEVEL says.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """The database cannot be used; the message says why in plain words."""


def _migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every numbered migration shipped in the package."""
    found: list[tuple[int, str, str]] = []
    for item in resources.files("bot.db.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise DatabaseError(f"migrations must be numbered 001, 002, … without gaps; found {versions}")
    return found


def latest_version() -> int:
    """The number of the newest migration in ``bot/db/migrations``."""
    return len(_migrations())


class Database:
    """One connection, used by one event loop. Every statement runs under a lock so a
    transaction opened by one coroutine never sees another coroutine's statements."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (creating folders as needed), set pragmas and apply pending migrations."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except Exception as exc:  # sqlite3.OperationalError and friends
            raise DatabaseError(f"cannot open the database at {target}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, target)
        try:
            await db._configure()
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        # WAL lets readers run while a check-in is written; FULL makes every acknowledged
        # commit durable even if the machine (not just the process) dies; secure_delete
        # overwrites deleted health data instead of leaving it in free pages.
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA busy_timeout = 5000",
            "PRAGMA secure_delete = ON",
        ):
            await self._conn.execute(pragma)

    async def version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction; return the new version."""
        migrations = _migrations()
        latest = len(migrations)
        async with self._lock:
            current = await self.version()
            if current > latest:
                raise DatabaseError(
                    f"the database at {self.path} is at schema version {current}, but this version "
                    f"of supportbot only knows up to {latest}. Upgrade supportbot, or point "
                    "DATABASE_PATH at another file; nothing was changed."
                )
            pending = [m for m in migrations if m[0] > current]
            if not pending:
                return current
            script = "\n".join(sql for _, _, sql in pending)
            try:
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {latest:d};\nCOMMIT;"
                )
            except Exception as exc:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                names = ", ".join(name for _, name, _ in pending)
                raise DatabaseError(f"migration failed ({names}); nothing was changed: {exc}") from exc
            log.info("database migrated from version %d to %d", current, latest)
            return latest

    # -- statements -------------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (autocommit); return the number of rows changed."""
        async with self._lock, self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT on its own; return the new row id."""
        async with self._lock, self._conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._lock, self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._lock, self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """All statements inside commit together or not at all."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Transaction(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def scrub(self) -> bool:
        """After member data is deleted: copy the log into the main file and truncate the log to
        zero bytes. ``secure_delete`` has already zeroed the deleted rows in their pages; without
        this the old pages would stay readable in the ``-wal`` file while the bot runs (and after
        a crash). Returns False when a reader kept the log busy (it is retried next time)."""
        async with self._lock, self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        if row is not None and row[0]:
            log.warning("the database log could not be emptied after a deletion; it will be retried")
            return False
        return True

    async def integrity_check(self) -> str:
        async with self._lock, self._conn.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "no answer"

    async def close(self) -> None:
        await self._conn.close()


class Transaction:
    """Statements run inside :meth:`Database.transaction` (the lock is already held)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())
