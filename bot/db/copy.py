"""``supportbot db copy --from URL --to URL``: move a deployment to another database.

Typically SQLite → PostgreSQL, but any direction works. The target is migrated to the same
schema version as the source and must hold no rows at all: a copy never merges into, or
overwrites, a database in use. Every table is copied in one transaction on the target (a failure
leaves it empty), rows streamed in batches. Then each table is read back and compared with the
source: the row count and a checksum over every value of every row (order-independent: the sum
of each row's SHA-256, so the two engines may return rows in any order). Encrypted values are
copied as they are: keep the same data key (``DATA_KEY`` or the key file) for the new database.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from dataclasses import dataclass
from typing import Any

from bot.db.database import Database, DatabaseError, latest_version
from bot.db.url import DatabaseUrl, DatabaseUrlError, parse_database_url

# Tables other tables refer to (FOREIGN KEY) are filled first.
PARENTS_FIRST = ("checkin_members", "watch_alerts")
BATCH = 1000
_MOD = 1 << 256


class CopyRefused(DatabaseError):
    """The copy cannot start (target not empty, versions differ); nothing was written."""


@dataclass(frozen=True)
class TableCopy:
    """One table's copy: rows on each side and whether their checksums agree."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


def _canonical(value: Any) -> str:
    if value is None:
        return "n"
    if isinstance(value, bool | int):
        return f"i{int(value)}"
    if isinstance(value, float):
        return f"i{int(value)}" if value.is_integer() else f"f{value!r}"
    if isinstance(value, bytes | bytearray | memoryview):
        return "b" + bytes(value).hex()
    return f"s{value}"


def row_digest(row: Any) -> int:
    """A checksum of one row's values, the same whichever backend the row came from."""
    text = "\x1f".join(_canonical(v) for v in tuple(row))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), "big")


async def table_summary(db: Database, table: str, columns: list[str]) -> tuple[int, str]:
    """(rows, checksum) of one table."""
    count, total = 0, 0
    names = ", ".join(f'"{c}"' for c in columns)
    async for rows in db.batches(f'SELECT {names} FROM "{table}"', (), BATCH):
        count += len(rows)
        for row in rows:
            total = (total + row_digest(row)) % _MOD
    return count, f"{total:064x}"[:16]


def copy_order(tables: list[str]) -> list[str]:
    """Tables in an order that copies parents before the rows that refer to them."""
    return [t for t in PARENTS_FIRST if t in tables] + [t for t in tables if t not in PARENTS_FIRST]


async def copy_database(source_url: DatabaseUrl, target_url: DatabaseUrl) -> list[TableCopy]:
    """Copy every table; return what was compared. Raises :class:`CopyRefused` before writing."""
    if source_url == target_url:
        raise CopyRefused("the source and the target are the same database; nothing was copied")
    if source_url.path is not None and not source_url.path.exists():
        raise CopyRefused(f"there is no database at {source_url.shown}; nothing was copied")
    source = await Database.open(source_url, migrate=False)
    try:
        version = await source.version()
        if version != latest_version():
            raise CopyRefused(
                f"the source is at schema version {version} and this supportbot writes version {latest_version()}: "
                "start this version of supportbot on the source once (it upgrades in place), then copy; "
                "nothing was copied")
        target = await Database.open(target_url)
        try:
            return await _copy(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: Database, target: Database) -> list[TableCopy]:
    tables = copy_order(await source.tables())
    target_tables = set(await target.tables())
    missing = [t for t in tables if t not in target_tables]
    if missing:
        raise CopyRefused(f"the target has no table {', '.join(missing)}; nothing was copied")
    for table in sorted(target_tables):
        rows = await target.fetchval(f'SELECT COUNT(*) FROM "{table}"')
        if rows:
            raise CopyRefused(f"the target is not empty ({table} holds {rows} row(s)); a copy only goes into "
                              "an empty database, so nothing was copied")
    columns = {t: await source.columns(t) for t in tables}
    async with target.transaction() as tx:
        for table in tables:
            names = ", ".join(f'"{c}"' for c in columns[table])
            marks = ", ".join("?" for _ in columns[table])
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            async for rows in source.batches(f'SELECT {names} FROM "{table}"', (), BATCH):
                await tx.executemany(insert, [tuple(r) for r in rows])
            if "id" in columns[table]:
                await target.reset_identity(tx, table)
    report = []
    for table in tables:
        source_rows, source_sum = await table_summary(source, table, columns[table])
        target_rows, target_sum = await table_summary(target, table, columns[table])
        report.append(TableCopy(table, source_rows, target_rows, source_sum, target_sum))
    return report


def describe(report: list[TableCopy], source: DatabaseUrl, target: DatabaseUrl) -> tuple[int, str]:
    """(exit code, what to print) for the command line."""
    lines = [f"{r.table}: {r.source_rows} row(s), checksum {r.source_sum}"
             + ("" if r.ok else f" — MISMATCH: the target has {r.target_rows} row(s), checksum {r.target_sum}")
             for r in report]
    total = sum(r.source_rows for r in report)
    if all(r.ok for r in report):
        lines.append(f"Copied {total} row(s) in {len(report)} table(s) from {source.shown} to {target.shown}; "
                     "every table's row count and checksum match. Keep the same data key for the new database.")
        return 0, "\n".join(lines)
    bad = ", ".join(r.table for r in report if not r.ok)
    lines.append(f"The copy does not match the source in {bad}. Do not switch to {target.shown}; empty it "
                 "(or create a new database) and copy again.")
    return 1, "\n".join(lines)


def copy_command(source: str, target: str) -> int:
    """``supportbot db copy``: 0 when every table matches, 1 when refused or not matching."""
    try:
        source_url, target_url = parse_database_url(source), parse_database_url(target)
    except DatabaseUrlError as exc:
        print(f"Cannot copy: the database URL {exc}.", file=sys.stderr)
        return 1
    try:
        report = asyncio.run(copy_database(source_url, target_url))
    except DatabaseError as exc:
        print(f"Cannot copy: {exc}", file=sys.stderr)
        return 1
    code, text = describe(report, source_url, target_url)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code
