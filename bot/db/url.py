"""Which database to use, from one setting: ``DATABASE_URL``.

``sqlite:///relative/path``, ``sqlite:////absolute/path`` and ``sqlite:///:memory:`` (or a plain
file path, as ``DATABASE_PATH`` always took) mean SQLite; ``postgresql://`` (also ``postgres://``
and SQLAlchemy's ``postgresql+asyncpg://`` spelling) means PostgreSQL. The password never appears
in :attr:`DatabaseUrl.shown`, which is what messages and logs use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

Dialect = Literal["sqlite", "postgresql"]

_PG_SCHEMES = {"postgresql", "postgres", "postgresql+asyncpg"}

URL_HELP = ("must be sqlite:///path/to/file.sqlite3 (or a plain file path) or "
            "postgresql://user:password@host:port/database")


class DatabaseUrlError(ValueError):
    """The setting names no database this bot can use."""


@dataclass(frozen=True)
class DatabaseUrl:
    """Which backend, and where: parsed from ``DATABASE_URL`` or ``DATABASE_PATH``."""

    dialect: Dialect
    # SQLite: the file path (or ":memory:"). PostgreSQL: the DSN asyncpg connects with.
    target: str

    @property
    def shown(self) -> str:
        """For messages: the path, or the URL with any password replaced by ``***``."""
        if self.dialect == "sqlite":
            return self.target
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None (PostgreSQL, or an in-memory database)."""
        if self.dialect != "sqlite" or self.target == ":memory:":
            return None
        return Path(self.target)


def parse_database_url(value: str | Path) -> DatabaseUrl:
    """Turn a URL or a plain path into a :class:`DatabaseUrl`, or raise :class:`DatabaseUrlError`."""
    if isinstance(value, Path):
        return DatabaseUrl("sqlite", str(value))
    text = value.strip()
    if not text:
        raise DatabaseUrlError(URL_HELP)
    scheme, sep, rest = text.partition("://")
    if not sep:
        return DatabaseUrl("sqlite", text)  # a plain path, as DATABASE_PATH has always been
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise DatabaseUrlError(URL_HELP)
        return DatabaseUrl("sqlite", rest[1:])  # sqlite:///a → "a"; sqlite:////a → "/a"
    if scheme in _PG_SCHEMES:
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises on a port that is not a number in range
        except ValueError:
            raise DatabaseUrlError(URL_HELP) from None
        return DatabaseUrl("postgresql", urlunsplit(parts._replace(scheme="postgresql")))
    raise DatabaseUrlError(URL_HELP)
