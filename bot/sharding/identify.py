"""Identify spacing across processes.

Discord lets a bot start ``max_concurrency`` sessions per 5 seconds: shard ``k`` is in bucket
``k % max_concurrency``, and a second IDENTIFY in the same bucket within 5 s is refused (opcode 9).
discord.py spaces the shards *of one process* (it sleeps 5 s before every IDENTIFY but the first),
but knows nothing of other processes: two processes starting together identify shards 0 and 2
within milliseconds of each other. So each process takes a lock per bucket that every process can
see, identifies, and keeps the lock 5 s more before the next IDENTIFY of that bucket may go.

On PostgreSQL the lock is a session advisory lock on a connection of its own: PostgreSQL releases
it if the process dies, so a crashed process never blocks the others. With SQLite there is only
ever one process, and discord.py's own spacing is all that is needed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Discord's window is 5 s. The IDENTIFY goes out right after the hook returns, but a busy event
# loop (another shard's thousands of GUILD_CREATEs) can delay that write: measured on a loaded
# machine, 5.1 s of hold gave gaps of 5.08 s at the gateway. Half a second more keeps a margin.
IDENTIFY_HOLD_SECONDS = 5.5
# The first key of PostgreSQL's two-key advisory locks: names "identify bucket" for this bot, so
# the second key (the bucket) cannot collide with another use of advisory locks.
IDENTIFY_LOCK_CLASS = 0x5B1D  # arbitrary, fixed


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's routing formula: which shard receives a guild's events."""
    return (int(guild_id) >> 22) % shard_count


def bucket_of(shard_id: int, max_concurrency: int) -> int:
    """The identify rate-limit bucket of a shard."""
    return shard_id % max(1, max_concurrency)


class IdentifyGate(Protocol):
    """Waits until this process may send the IDENTIFY of ``shard_id`` (called right before it)."""

    async def before_identify(self, shard_id: int, max_concurrency: int, *, initial: bool) -> None: ...

    async def close(self) -> None: ...


class LocalIdentifyGate:
    """One process: a lock per bucket held 5 s after each IDENTIFY, inside this process only.

    For a single process this is what discord.py does (5 s between IDENTIFYs), except that shards
    in different buckets need not wait for each other."""

    def __init__(self, hold: float = IDENTIFY_HOLD_SECONDS) -> None:
        self.hold = hold
        self._locks: dict[int, asyncio.Lock] = {}
        self._releases: set[asyncio.Task[None]] = set()

    async def before_identify(self, shard_id: int, max_concurrency: int, *, initial: bool) -> None:
        lock = self._locks.setdefault(bucket_of(shard_id, max_concurrency), asyncio.Lock())
        await lock.acquire()
        self._release_later(lock.release)

    def _release_later(self, release: Any) -> None:
        async def later() -> None:
            try:
                await asyncio.sleep(self.hold)
            finally:
                release()

        task = asyncio.create_task(later())
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def close(self) -> None:
        for task in list(self._releases):
            task.cancel()


class PostgresIdentifyGate:
    """Every process on one PostgreSQL database: ``pg_advisory_lock(class, bucket)`` on a
    connection opened for this IDENTIFY, unlocked (and closed) 5 s after it."""

    def __init__(self, dsn: str, hold: float = IDENTIFY_HOLD_SECONDS, connect_timeout: float = 30.0) -> None:
        self.dsn = dsn
        self.hold = hold
        self.connect_timeout = connect_timeout
        self._holding: set[asyncio.Task[None]] = set()

    async def before_identify(self, shard_id: int, max_concurrency: int, *, initial: bool) -> None:
        import asyncpg  # only deployments on PostgreSQL need the driver

        bucket = bucket_of(shard_id, max_concurrency)
        conn = await asyncpg.connect(_asyncpg_dsn(self.dsn), timeout=self.connect_timeout)
        try:
            await conn.execute("SELECT pg_advisory_lock($1, $2)", IDENTIFY_LOCK_CLASS, bucket)
        except BaseException:
            await conn.close()
            raise
        log.debug("identify lock for bucket %d taken (shard %d)", bucket, shard_id)

        async def hold_then_release() -> None:
            try:
                await asyncio.sleep(self.hold)
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", IDENTIFY_LOCK_CLASS, bucket)
            finally:
                await conn.close()  # closing also releases the lock, whatever happened above

        task = asyncio.create_task(hold_then_release())
        self._holding.add(task)
        task.add_done_callback(self._holding.discard)

    async def close(self) -> None:
        """Let the locks taken run out their 5 s (another process may be next in the bucket)."""
        if self._holding:
            await asyncio.gather(*self._holding, return_exceptions=True)


def _asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg takes it (``postgresql://``), also from SQLAlchemy-style ``postgresql+asyncpg://``."""
    scheme, sep, rest = url.partition("://")
    return ("postgresql" + sep + rest) if scheme.startswith("postgres") else url
