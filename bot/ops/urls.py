"""Which database a deployment uses, read the same way by backup, restore and health.

``DATABASE_URL`` (``sqlite:///path`` or ``postgresql://…``) wins when set, ``DATABASE_PATH``
otherwise. Passwords in a URL are never printed: every message shows :func:`redacted`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"})


def database_url(settings: Any) -> str | None:
    value = getattr(settings, "database_url", None)
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text.strip() or None


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.lower() in POSTGRES_SCHEMES


def sqlite_path(settings: Any) -> Path:
    """The SQLite file: from a ``sqlite:///…`` URL when one is set, else ``DATABASE_PATH``."""
    url = database_url(settings)
    if url is not None and urlsplit(url).scheme.lower() == "sqlite":
        # SQLAlchemy's form: sqlite:///relative/file, sqlite:////absolute/file
        return Path(unquote(urlsplit(url).path[1:]))
    return Path(settings.database_path)


def redacted(url: str) -> str:
    """The URL without its password (``postgresql://bot:***@db/supportbot``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
