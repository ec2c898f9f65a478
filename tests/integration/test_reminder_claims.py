"""Reminders shared by several bot processes on one database: claims with a lease, recovery when
a process dies, and no second DM when one is retried (the idempotency key). Each "process" here is
its own database connection, store and worker, as two processes would have."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.checkins.reminders import Reminders, reminder_nonce
from bot.checkins.store import CheckinStore
from bot.clock import ManualClock
from bot.crypto import Keyring
from bot.db import Database
from bot.notify import Delivery, Outbox
from bot.ui import Reply

DUE = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 20:00 in London, the members' reminder time
KEYRING = Keyring([os.urandom(32)])


class Process:
    """One bot process: its own connection to the shared file, its store, worker and Discord view."""

    def __init__(self, db: Database, clock: ManualClock, discord: Outbox, *, batch: int = 50) -> None:
        self.db = db
        self.store = CheckinStore(db, clock, KEYRING)
        self.reminders = Reminders(self.store, SimpleNamespace(outbox=discord), batch=batch)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Path]:
    path = tmp_path / "shared.sqlite3"
    db = await Database.open(path)
    await db.close()
    yield path


async def open_process(path: Path, clock: ManualClock, discord: Outbox, **kwargs: int) -> Process:
    return Process(await Database.open(path), clock, discord, **kwargs)


async def enroll(process: Process, count: int) -> list[int]:
    users = [500_000 + i for i in range(count)]
    for user in users:
        await process.store.enroll(user, 1, "Europe/London", "20:00", DUE)
    return users


class NetworkOutbox(Outbox):
    """An outbox whose DMs take a moment, as Discord's do: while one process waits on its batch,
    the other gets its turn to claim (an instant outbox lets one process drain the queue alone)."""

    async def to_member(self, user_id: int, reply: Reply, *, nonce: str | None = None) -> Delivery:
        await asyncio.sleep(0.005)
        return await super().to_member(user_id, reply, nonce=nonce)


def sent_to(discord: Outbox) -> list[int]:
    return [user for user, _ in discord.member_posts]


async def test_two_processes_scanning_together_send_each_reminder_exactly_once(database: Path) -> None:
    clock = ManualClock(DUE + timedelta(seconds=30))
    # Two separate views of Discord: a reminder sent by both would show up in both lists.
    a_out, b_out = NetworkOutbox(), NetworkOutbox()
    a = await open_process(database, clock, a_out, batch=7)
    b = await open_process(database, clock, b_out, batch=7)
    try:
        users = await enroll(a, 120)
        results = await asyncio.gather(*(p.reminders.scan(clock.now()) for p in (a, b, a, b)))
        sent = sent_to(a_out) + sent_to(b_out)
        assert sorted(sent) == users  # every member once: none missing, none twice
        assert sum(r.sent for r in results) == 120
        assert sent_to(a_out) and sent_to(b_out)  # both processes took a share
        # Every row moved on to tomorrow and no claim is left behind.
        left = await a.db.fetchval("SELECT COUNT(*) FROM checkin_members WHERE claimed_by IS NOT NULL "
                                   "OR next_reminder_at <= ?", ("2026-11-24T00:00:00.000000Z",))
        assert left == 0
    finally:
        await a.db.close()
        await b.db.close()


async def test_rows_claimed_by_a_process_that_died_are_sent_by_another_after_the_lease(database: Path) -> None:
    clock = ManualClock(DUE + timedelta(seconds=5))
    discord = Outbox()
    dead = await open_process(database, clock, discord)
    alive = await open_process(database, clock, discord)
    try:
        users = await enroll(alive, 30)
        # The first process claims every due row, then is killed before it sends anything.
        claimed = await dead.store.claim_due_reminders(clock.now(), dead.reminders.worker,
                                                       clock.now() + dead.reminders.lease, limit=1000)
        assert len(claimed) == 30
        await dead.db.close()
        # While the lease runs, the rows are not the other process's to send.
        assert (await alive.reminders.scan(clock.now())).sent == 0
        clock.advance(alive.reminders.lease + timedelta(seconds=1))
        assert (await alive.reminders.scan(clock.now())).sent == 30
        assert sorted(sent_to(discord)) == users
        assert (await alive.reminders.scan(clock.now())).sent == 0
    finally:
        await alive.db.close()


class KilledAfterSending(CheckinStore):
    """A process killed after its DMs went out but before it recorded them."""

    async def finish_reminders(self, worker: str, done: list) -> set[int]:  # type: ignore[override,type-arg]
        raise ConnectionAbortedError("process killed")


async def test_a_reminder_sent_just_before_a_crash_is_not_sent_again(database: Path) -> None:
    clock = ManualClock(DUE + timedelta(seconds=5))
    discord = Outbox()  # one Discord for both processes: it keeps one message per nonce
    dead = await open_process(database, clock, discord)
    dead.store = KilledAfterSending(dead.db, clock, KEYRING)
    dead.reminders.store = dead.store
    alive = await open_process(database, clock, discord)
    try:
        users = await enroll(alive, 12)
        with pytest.raises(ConnectionAbortedError):
            await dead.reminders.scan(clock.now())
        assert sorted(sent_to(discord)) == users  # the DMs went out before the kill
        clock.advance(alive.reminders.lease + timedelta(seconds=1))
        retried = await alive.reminders.scan(clock.now())
        assert retried.sent == 12  # the retry asked Discord again, with the same keys...
        assert sorted(sent_to(discord)) == users  # ...and Discord created no second message
        row = await alive.store.member(users[0])
        assert row is not None and row.last_reminded_day is not None and row.next_reminder_at is not None
        assert row.next_reminder_at > clock.now()
    finally:
        await dead.db.close()
        await alive.db.close()


class SlowDiscord(Outbox):
    """DMs that wait until the test lets them through (a slow Discord, a busy machine)."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()
        self.go = asyncio.Event()

    async def to_member(self, user_id: int, reply: object, *, nonce: str | None = None):  # type: ignore[override]
        self.sending.set()
        await self.go.wait()
        return await super().to_member(user_id, reply, nonce=nonce)  # type: ignore[arg-type]


async def test_a_slow_batch_keeps_its_lease_so_no_other_process_takes_it_over(database: Path) -> None:
    clock = ManualClock(DUE + timedelta(seconds=5))
    slow, other = SlowDiscord(), Outbox()
    busy = await open_process(database, clock, slow)
    busy.reminders.lease = timedelta(seconds=0.3)
    idle = await open_process(database, clock, other)
    try:
        users = await enroll(busy, 5)
        sending = asyncio.create_task(busy.reminders.scan(clock.now()))
        await asyncio.wait_for(slow.sending.wait(), 5)
        clock.advance(timedelta(seconds=0.31))  # the lease taken at the claim has run out...
        await asyncio.sleep(0.35)  # ...but the busy process renewed it meanwhile
        assert (await idle.reminders.scan(clock.now())).sent == 0
        slow.go.set()
        assert (await sending).sent == 5
        assert sorted(sent_to(slow)) == users and sent_to(other) == []
    finally:
        await busy.db.close()
        await idle.db.close()


def test_the_idempotency_key_is_stable_per_member_and_day_and_fits_discord() -> None:
    day = DUE.date()
    key = reminder_nonce(123, day)
    assert key == reminder_nonce(123, day) and len(key) <= 25
    assert key != reminder_nonce(124, day) and key != reminder_nonce(123, day + timedelta(days=1))


# -- the same on PostgreSQL, where processes really run side by side -------------------------------


@pytest.mark.postgresql
async def test_four_processes_on_postgresql_claim_with_skip_locked_and_send_each_once(postgres_url: str) -> None:
    clock = ManualClock(DUE + timedelta(seconds=30))
    outboxes = [Outbox() for _ in range(4)]
    processes = [Process(await Database.open(postgres_url), clock, out, batch=7) for out in outboxes]
    try:
        assert processes[0].db.dialect == "postgresql"
        users = await enroll(processes[0], 300)
        await asyncio.gather(*(p.reminders.scan(clock.now()) for p in processes))
        sent = [u for out in outboxes for u in sent_to(out)]
        assert sorted(sent) == users
        assert sum(1 for out in outboxes if sent_to(out)) >= 2  # the work was shared
    finally:
        for p in processes:
            await p.db.close()


@pytest.mark.postgresql
async def test_on_postgresql_a_dead_process_rows_come_back_after_the_lease(postgres_url: str) -> None:
    clock = ManualClock(DUE + timedelta(seconds=5))
    discord = Outbox()
    dead = Process(await Database.open(postgres_url), clock, discord)
    alive = Process(await Database.open(postgres_url), clock, discord)
    try:
        users = await enroll(alive, 20)
        await dead.store.claim_due_reminders(clock.now(), dead.reminders.worker, clock.now() + dead.reminders.lease)
        await dead.db.close()
        assert (await alive.reminders.scan(clock.now())).sent == 0
        clock.advance(alive.reminders.lease + timedelta(seconds=1))
        assert (await alive.reminders.scan(clock.now())).sent == 20
        assert sorted(sent_to(discord)) == users
    finally:
        await alive.db.close()
