"""A throwaway PostgreSQL server for the tests that need one (sharded processes share it).

Started once per test session from the ``pgserver`` dev dependency, which ships the server
binaries (and runs them as an unprivileged user when the tests run as root); each test gets a
fresh database of its own. Without the package the tests that need it skip with one line.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest


def _database_url(server_uri: str, name: str) -> str:
    parts = urlsplit(server_uri)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    try:
        import pgserver
    except ImportError:
        pytest.skip("PostgreSQL tests need the pgserver dev dependency (pip install -e '.[dev]')")
    folder = tempfile.mkdtemp(prefix="supportbot-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """A new, empty database on the session's server, as a ``postgresql://`` URL."""
    name = f"t_{secrets.token_hex(6)}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    return _database_url(postgres_server.get_uri(), name)
