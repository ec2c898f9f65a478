"""PostgreSQL through asyncpg, behind the same interface as SQLite.

A thin driver rather than an ORM: the stores' SQL is already portable, so this only translates
``?`` placeholders to ``$1, $2, …``, adds ``RETURNING id`` to inserts, and reads the row count from
the command tag. Like the SQLite driver it holds one connection per process and runs every
statement under a lock, so the two backends behave the same inside one process (a transaction
never interleaves with another coroutine's statements); several processes share the server and
coordinate through it.

What SQLite does with pragmas has its PostgreSQL counterpart here: durability is the server's
(``synchronous_commit`` on, its default: a commit is acknowledged only once it is in the WAL on
disk); the schema version lives in the ``schema_version`` table instead of ``user_version``;
:meth:`PostgresDatabase.scrub` runs ``VACUUM`` over the tables that hold member data, so deleted
rows are removed from tables and indexes instead of waiting for autovacuum.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.db import database as schema
from bot.db.database import Database, DatabaseError, Params, Transaction
from bot.db.url import DatabaseUrl

log = logging.getLogger(__name__)

# Any process migrating takes this transaction-scoped advisory lock first, so two bot processes
# starting together never apply the same migration twice.
_MIGRATION_LOCK = 0x5B0_7DB0

# Tables that hold member data or its traces: vacuumed after a deletion (see ``scrub``).
SCRUBBED_TABLES = ("checkins", "checkin_members", "checkin_pauses", "member_regions", "faq_feedback",
                   "unanswered_questions", "watch_alerts", "watch_audit", "watch_quiet", "app_secrets")


@lru_cache(maxsize=1024)
def to_dollar(sql: str) -> str:
    """``?`` placeholders as ``$1, $2, …``, leaving quoted strings, quoted names and comments alone."""
    out: list[str] = []
    n = 0
    i = 0
    length = len(sql)
    while i < length:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < length and sql[end + 1] == ch:  # '' inside a string
                end = sql.find(ch, end + 2)
            end = length - 1 if end == -1 else end
            out.append(sql[i:end + 1])
            i = end + 1
            continue
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = length if end == -1 else end
            out.append(sql[i:end])
            i = end
            continue
        if ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _args(params: Params) -> Sequence[Any]:
    if isinstance(params, dict):
        raise DatabaseError("named parameters are not supported; use ? placeholders")
    return params


def _count(status: str) -> int:
    """Rows changed, from a command tag such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else 0


def _returning_id(sql: str) -> str:
    return sql if "RETURNING" in sql.upper() else f"{sql.rstrip().rstrip(';')} RETURNING id"


def _numeric(text: str) -> int | float:
    """SUM over integers is NUMERIC in PostgreSQL; SQLite gives an int (or a float for AVG)."""
    return int(text) if text.lstrip("-").isdigit() else float(text)


async def _connect(url: DatabaseUrl) -> asyncpg.Connection:
    try:
        conn = await asyncpg.connect(
            url.target, timeout=15,
            server_settings={"timezone": "UTC", "application_name": "supportbot"},
        )
    except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
        raise DatabaseError(f"cannot open the database at {url.shown}: {exc}") from exc
    try:
        await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")
    except BaseException:
        await conn.close()
        raise
    return conn


# Errors that mean the connection itself is gone or confused, not that a statement was wrong.
_CONNECTION_BROKEN = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    OSError,
)


class PostgresDatabase(Database):
    """The Database interface over one asyncpg connection."""

    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection, url: DatabaseUrl) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._closed = False
        self.url = url
        self.path = url.shown

    async def _live(self) -> asyncpg.Connection:
        """The connection, opened again if the server dropped it (a restart, a failover). The
        statement that saw the drop has already failed and is never retried here: it may have
        committed. Called with the lock held."""
        if self._conn.is_closed() and not self._closed:
            log.warning("the database connection was lost; connecting again")
            self._conn = await _connect(self.url)
        return self._conn

    @classmethod
    async def connect(cls, url: DatabaseUrl, *, migrate: bool = True) -> PostgresDatabase:
        db = cls(await _connect(url), url)
        await db.ready(migrate=migrate)
        return db

    async def _version(self, conn: asyncpg.Connection) -> int:
        if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
            return 0
        value = await conn.fetchval("SELECT MAX(version) FROM schema_version")
        return int(value or 0)

    async def version(self) -> int:
        async with self._lock:
            return await self._version(await self._live())

    async def migrate(self) -> int:
        async with self._lock:
            conn = await self._live()
            current = await self._version(conn)
            if not schema.pending_migrations(current, self.path):
                return current
            try:
                async with conn.transaction():
                    await conn.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                    current = await self._version(conn)  # another process may have done it
                    pending = schema.pending_migrations(current, self.path)
                    if not pending:
                        return current
                    for _, name, sql in pending:
                        await conn.execute(schema.for_postgresql(name, sql))
                    latest = pending[-1][0]
                    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                    await conn.execute("DELETE FROM schema_version")
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", latest)
            except DatabaseError:
                raise
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                names = ", ".join(name for _, name, _ in schema.pending_migrations(current, self.path))
                raise DatabaseError(f"migration failed ({names}); nothing was changed: {exc}") from exc
            log.info("database migrated from version %d to %d", current, latest)
            return latest

    # -- statements -------------------------------------------------------------------------

    @asynccontextmanager
    async def _using(self) -> AsyncIterator[asyncpg.Connection]:
        """The live connection, under the lock. A statement that finds the connection broken (the
        server ended it, the network went) fails as before, and the connection is closed for good,
        so the next statement connects again instead of failing on the same broken one."""
        async with self._lock:
            conn = await self._live()
            try:
                yield conn
            except _CONNECTION_BROKEN:
                if not conn.is_closed():
                    conn.terminate()
                raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._using() as conn:
            return _count(await conn.execute(to_dollar(sql), *_args(params)))

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self._using() as conn:
            return int(await conn.fetchval(to_dollar(_returning_id(sql)), *_args(params)) or 0)

    async def fetchone(self, sql: str, params: Params = ()) -> asyncpg.Record | None:
        async with self._using() as conn:
            return await conn.fetchrow(to_dollar(sql), *_args(params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        async with self._using() as conn:
            return list(await conn.fetch(to_dollar(sql), *_args(params)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._using() as conn, conn.transaction():
            yield PostgresTransaction(conn)

    async def scrub(self, tables: Iterable[str] = SCRUBBED_TABLES) -> bool:
        """``VACUUM`` the tables that hold member data: deleted rows are removed from the tables
        and their indexes now, so nothing reads them back. PostgreSQL has no ``secure_delete``:
        freed space is reused, not zeroed, and its WAL keeps recent changes until recycled, which
        is why health text is stored encrypted on both backends."""
        async with self._lock:
            try:
                conn = await self._live()
                present = {r[0] for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
                for table in tables:
                    if table in present:
                        await conn.execute(f'VACUUM "{table}"')
            except asyncpg.PostgresError as exc:
                log.warning("vacuum after a deletion failed (%s); it will be retried", type(exc).__name__)
                return False
        return True

    async def integrity_check(self) -> str:
        async with self._lock:
            try:
                await (await self._live()).fetchval("SELECT 1")
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                return f"not reachable: {exc}"
        return "ok"

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'schema_version' ORDER BY tablename")
        return [str(r[0]) for r in rows]

    async def batches(self, sql: str, params: Params = (), size: int = 1000) -> AsyncIterator[list[asyncpg.Record]]:
        async with self._lock:
            conn = await self._live()
            async with conn.transaction():  # a server-side cursor lives in a transaction
                cursor = await conn.cursor(to_dollar(sql), *_args(params))
                while rows := await cursor.fetch(size):
                    yield list(rows)

    async def reset_identity(self, tx: Transaction, table: str) -> None:
        """After rows were copied in with their ids: the next generated id follows the largest."""
        await tx.fetchone(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"COALESCE(MAX(id), 0) + 1, false) FROM \"{table}\"")

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (table,))
        return [str(r[0]) for r in rows]

    async def close(self) -> None:
        self._closed = True
        await self._conn.close()


class PostgresTransaction(Transaction):
    """Statements inside :meth:`PostgresDatabase.transaction`."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _count(await self._conn.execute(to_dollar(sql), *_args(params)))

    async def insert(self, sql: str, params: Params = ()) -> int:
        return int(await self._conn.fetchval(to_dollar(_returning_id(sql)), *_args(params)) or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(to_dollar(sql), [tuple(_args(r)) for r in rows])

    async def fetchone(self, sql: str, params: Params = ()) -> asyncpg.Record | None:
        return await self._conn.fetchrow(to_dollar(sql), *_args(params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        return list(await self._conn.fetch(to_dollar(sql), *_args(params)))
