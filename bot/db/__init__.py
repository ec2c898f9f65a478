"""The database: one interface over SQLite (aiosqlite, the default) and PostgreSQL (asyncpg).

Features never hold a connection themselves; their store modules take a :class:`Database` and
keep all SQL behind small async methods. The SQL is portable (``?`` placeholders, ``ON CONFLICT``
upserts, ISO-8601 UTC text timestamps, integer and text columns), so the same stores and the same
numbered migrations run on both; ``DATABASE_URL`` chooses.
"""

from bot.db.database import DRIVERS, Database, DatabaseError, Transaction, latest_version
from bot.db.postgres import PostgresDatabase
from bot.db.sqlite import SqliteDatabase
from bot.db.url import DatabaseUrl, DatabaseUrlError, parse_database_url

DRIVERS.update({"sqlite": SqliteDatabase, "postgresql": PostgresDatabase})

__all__ = ["Database", "DatabaseError", "DatabaseUrl", "DatabaseUrlError", "Transaction", "latest_version",
           "parse_database_url"]
