"""The database: one aiosqlite connection, WAL, numbered migrations.

Features never hold the connection themselves; their store modules take a :class:`Database` and
keep all SQL behind small async methods. The SQL stays portable (``ON CONFLICT`` upserts, ISO UTC
text timestamps, integer and text columns only) so a PostgreSQL backend can follow.
"""

from bot.db.database import Database, DatabaseError, latest_version

__all__ = ["Database", "DatabaseError", "latest_version"]
