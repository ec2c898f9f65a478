"""SQLite through aiosqlite: the default backend, with the pragmas durability and privacy need."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.db import database as schema
from bot.db.database import Database, DatabaseError, Params, Transaction
from bot.db.url import DatabaseUrl

log = logging.getLogger(__name__)


def _create_private(path: str) -> None:
    """Create a new database file readable by its owner only (0600): it holds members' health
    data, and SQLite gives its WAL and shared-memory files the database file's permissions. An
    existing file keeps the mode its operator chose; one that others can read is logged."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("the database file can be read by other users of this machine; "
                        "`chmod 600` it (and its -wal and -shm files)")
    except OSError:
        pass  # an unusable path is reported by the connect below, with its reason


class SqliteDatabase(Database):
    """One connection, used by one event loop. Every statement runs under a lock so a
    transaction opened by one coroutine never sees another coroutine's statements."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def connect(cls, url: DatabaseUrl, *, migrate: bool = True) -> SqliteDatabase:
        """Open (creating folders as needed), set pragmas and apply pending migrations."""
        target = url.target
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            _create_private(target)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except Exception as exc:  # sqlite3.OperationalError and friends
            raise DatabaseError(f"cannot open the database at {target}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, target)
        await db.ready(migrate=migrate)
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
        async with self._lock:
            current = await self.version()
            pending = schema.pending_migrations(current, self.path)
            if not pending:
                return current
            latest = pending[-1][0]
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
        async with self._lock, self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self._lock, self._conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._lock, self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._lock, self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = SqliteTransaction(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def scrub(self) -> bool:
        """Copy the log into the main file and truncate the log to zero bytes. ``secure_delete``
        has already zeroed the deleted rows in their pages; without this the old pages would stay
        readable in the ``-wal`` file while the bot runs (and after a crash)."""
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

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [str(r[0]) for r in rows]

    async def batches(self, sql: str, params: Params = (), size: int = 1000) -> AsyncIterator[list[aiosqlite.Row]]:
        async with self._lock, self._conn.execute(sql, params) as cur:
            while rows := list(await cur.fetchmany(size)):
                yield rows

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
        return [str(r[0]) for r in rows]

    async def close(self) -> None:
        await self._conn.close()


class SqliteTransaction(Transaction):
    """Statements inside :meth:`SqliteDatabase.transaction` (the lock is already held)."""

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
