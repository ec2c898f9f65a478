"""A throwaway PostgreSQL server for the test suite, from the ``pgserver`` dev dependency.

``pgserver`` ships the PostgreSQL binaries in its wheel, so ``make test`` needs nothing installed
on the machine. The server is started once per test session in a new temporary folder, listening
only on a Unix socket in that folder, and deleted at the end. Run as root, ``pgserver`` runs the
server as its own unprivileged system user (PostgreSQL refuses to run as root).

One database, ``supportbot_template``, is migrated once; every test then gets its own database
created from it (``CREATE DATABASE … TEMPLATE``: a file copy, no migrations per test) and dropped
after the test.

In CI (``CI`` set) a server that cannot start fails the tests that need it; on a machine where it
cannot start they are skipped, with one line saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

T = TypeVar("T")
TEMPLATE = "supportbot_template"
_counter = itertools.count(1)


def with_database(uri: str, name: str) -> str:
    """The same server URI, naming another database."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on its own thread and loop, so fixtures can use it whether
    or not a test's event loop is already running in this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class ThrowawayPostgres:
    """The server, its admin URI, and per-test databases made from the migrated template."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.server: object | None = None
        self.uri = ""
        self.problem: str | None = None

    def start(self) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                import pgserver

                logging.getLogger("pgserver").setLevel(logging.WARNING)
                self.folder = Path(tempfile.mkdtemp(prefix="supportbot-pg-"))
                self.server = pgserver.get_server(self.folder, cleanup_mode="delete")
                self.uri = self.server.get_uri()  # type: ignore[attr-defined]
            _run(self._prepare)
        except Exception as exc:  # any reason at all: reported once, as a skip or (in CI) a failure
            self.problem = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            self.stop()

    async def _prepare(self) -> None:
        import asyncpg

        from bot.db import Database

        admin = await asyncpg.connect(self.uri)
        try:
            # Speed only: a crash of this throwaway server loses nothing anyone needs. Commits are
            # still acknowledged only after the server has them (synchronous_commit stays on).
            await admin.execute("ALTER SYSTEM SET fsync = off")
            await admin.execute("ALTER SYSTEM SET full_page_writes = off")
            await admin.execute("SELECT pg_reload_conf()")
            await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await admin.close()
        db = await Database.open(with_database(self.uri, TEMPLATE))
        await db.close()

    def create_database(self, *, migrated: bool = True) -> str:
        """A fresh database for one test (migrated, or empty); returns its URL."""
        return _run(lambda: self._create(TEMPLATE if migrated else "template0"))

    def drop_database(self, url: str) -> None:
        _run(lambda: self._drop(url))

    @contextlib.contextmanager
    def database(self, *, migrated: bool = True) -> Iterator[str]:
        """A fresh database for one test, dropped afterwards; fails in CI or skips elsewhere when
        the server is not there (see :meth:`require`)."""
        self.require()
        url = self.create_database(migrated=migrated)
        try:
            yield url
        finally:
            self.drop_database(url)

    async def _create(self, template: str) -> str:
        import asyncpg

        name = f"t{os.getpid()}_{next(_counter)}"
        admin = await asyncpg.connect(self.uri)
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        return with_database(self.uri, name)

    async def _drop(self, url: str) -> None:
        import asyncpg

        name = urlsplit(url).path.lstrip("/")
        admin = await asyncpg.connect(self.uri)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    # The two calls of pgserver's own server object that other fixtures use, so they can share
    # this one server (and its CI rule) instead of starting another.
    def get_uri(self, database: str | None = None) -> str:
        self.require()
        return with_database(self.uri, database) if database else self.uri

    def psql(self, command: str) -> str:
        self.require()
        return str(self.server.psql(command))  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self.server is not None:
            with contextlib.suppress(Exception):  # best effort at the end of a session
                self.server.cleanup()  # type: ignore[attr-defined]
            self.server = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def require(self) -> None:
        """Fail in CI, skip elsewhere, when the server is not there."""
        if self.problem is None:
            return
        reason = f"PostgreSQL could not start ({self.problem})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; in CI the PostgreSQL tests must run", pytrace=False)
        pytest.skip(f"{reason}: PostgreSQL tests skipped on this machine")
