"""Reminders at the member's local time, computed from the database so they survive restarts.

Each member row holds ``next_reminder_at`` (a UTC instant). A scan claims rows that are due (with
a lease, so several bot processes can share the work), and for each one decides, from the
member's local day:

* already checked in that day → no DM;
* the local day of the reminder has passed (the bot was down all evening) → no DM, never late;
* otherwise → one DM.

Then the row moves on to the next local day and the claim is dropped. Sent exactly once, even
across processes and crashes: a claim is exclusive while its lease runs; a process killed after
claiming leaves the row to be claimed again when the lease runs out; and the DM carries an
idempotency key made of the member and the day (Discord's ``enforce_nonce``), so one that was sent
just before the kill is not sent a second time. A DM Discord refuses for good (error 50007, DMs
closed; 50278, the member shares no server with the bot any more) turns reminders off, and the
member is told the next time they use /checkin, so no failing reminder goes out every day.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.checkins.buttons import BARE
from bot.checkins.store import CheckinStore, Member
from bot.checkins.timezones import local_day
from bot.notify import Delivery, Outbox
from bot.ops import metrics
from bot.ui import Button, Reply, Style

log = logging.getLogger(__name__)

REMINDER_TEXT = (
    "Hi — this is your gentle check-in reminder. No pressure: on a hard day, one tap is enough. "
    "You can also use `/checkin log` in the server to add scores or a note."
)


def parse_hhmm(value: str) -> time:
    """A stored reminder time ("HH:MM") as a clock time."""
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def next_reminder(zone: str, at: time, after: datetime) -> datetime:
    """The first instant strictly after ``after`` when the member's clock shows ``at``."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    day = local.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), at, tzinfo=tz)
        # A time that does not exist (clocks jump forward) resolves to the instant just after it.
        utc = candidate.astimezone(ZoneInfo("UTC"))
        if utc > after:
            return utc
    raise AssertionError("unreachable: a later local time always exists within two days")


def reminder_reply(day: date) -> Reply:
    """The reminder DM for ``day``, with its one-tap check-in button."""
    return Reply(
        content=REMINDER_TEXT,
        buttons=[Button("Check in", BARE(day), Style.SUCCESS, emoji="✅")],
        ephemeral=False,  # a DM is private already
    )


@dataclass(slots=True)
class ScanResult:
    """What one reminder pass did: sent, skipped, and refused because DMs are closed."""

    sent: int = 0
    skipped: int = 0
    dms_closed: int = 0


LEASE = timedelta(seconds=60)  # well inside the few minutes Discord keeps a nonce unique
CLAIM_BATCH = 200
SEND_CONCURRENCY = 8  # DMs in flight at once (REST replies come back in a few ms each)


def reminder_nonce(user_id: int, day: date) -> str:
    """The reminder's idempotency key: the same member and day always give the same key (Discord
    allows 25 characters, so a digest of the two rather than the two themselves)."""
    return hashlib.blake2s(f"reminder:{user_id}:{day.isoformat()}".encode(), digest_size=12).hexdigest()


def worker_name() -> str:
    """Who holds a claim: this process (and a random part, so a restarted process is another)."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


class Reminders:
    """Due reminder DMs: claimed in the database with a lease, then sent through the core's outbox."""

    def __init__(self, store: CheckinStore, outbox_source: object, *, lease: timedelta = LEASE,
                 batch: int = CLAIM_BATCH) -> None:
        self.store = store
        self._outbox_source = outbox_source  # the core: a front end hands it its own outbox
        self.lease = lease
        self.batch = batch
        self.worker = worker_name()

    @property
    def outbox(self) -> Outbox:
        return self._outbox_source.outbox  # type: ignore[attr-defined, no-any-return]

    async def scan(self, now: datetime) -> ScanResult:
        """Claim due reminders batch by batch until none is left; for each batch one query for
        who already checked in, the DMs, then one transaction moving the rows on."""
        result = ScanResult()
        while True:
            # The lease runs from the claim, not from the scan's start: a long scan's later batches
            # would otherwise be claimed already expired, and another process could take them.
            lease_until = max(now, self.store.clock.now()) + self.lease
            due = await self.store.claim_due_reminders(now, self.worker, lease_until, self.batch)
            if not due:
                return result
            await self._handle(due, now, result)
            if len(due) < self.batch:
                return result

    async def _handle(self, due: list[Member], now: datetime, result: ScanResult) -> None:
        plans: list[tuple[Member, date, bool, datetime]] = []
        for member in due:
            assert member.next_reminder_at is not None and member.reminder_time is not None
            due_day = local_day(member.timezone, member.next_reminder_at)
            following = next_reminder(member.timezone, parse_hhmm(member.reminder_time),
                                      max(now, member.next_reminder_at))
            timely = due_day == local_day(member.timezone, now) and member.last_reminded_day != due_day
            plans.append((member, due_day, timely, following))
        done = await self.store.checked_in({m.user_id: d for m, d, timely, _ in plans if timely})
        sends = [(m, d) for m, d, timely, _ in plans if timely and m.user_id not in done]
        result.skipped += len(plans) - len(sends)
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def deliver(member: Member, day: date) -> tuple[int, Delivery]:
            async with gate:
                return member.user_id, await self.outbox.to_member(
                    member.user_id, reminder_reply(day), nonce=reminder_nonce(member.user_id, day))

        renewing = asyncio.create_task(self._renew([m.user_id for m in due]))
        try:
            outcomes = dict(await asyncio.gather(*(deliver(m, d) for m, d in sends)))
        finally:
            renewing.cancel()
        reminded = {m.user_id for m, _ in sends}
        finished = []
        for member, due_day, _, following in plans:
            delivery = outcomes.get(member.user_id)
            if delivery is Delivery.DMS_CLOSED:
                await self.store.mark_dms_closed(member.user_id)  # also drops the claim
                result.dms_closed += 1
                log.info("reminders turned off for a member whose DMs are closed")
                continue
            if delivery is Delivery.SENT:
                result.sent += 1
                metrics.reminder_sent_late((now - member.next_reminder_at).total_seconds())  # type: ignore[operator]
            elif delivery is Delivery.FAILED:
                log.warning("a reminder could not be delivered")
            finished.append((member.user_id, member.next_reminder_at, due_day if member.user_id in reminded else None,
                             following))
        await self.store.finish_reminders(self.worker, finished)  # type: ignore[arg-type]

    async def _renew(self, user_ids: list[int]) -> None:
        """While a batch is being sent, keep its lease from running out (a slow Discord, a busy
        machine): another process may take rows over only from a process that stopped."""
        every = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.store.renew_claims(self.worker, user_ids, self.store.clock.now() + self.lease)
            except Exception:  # a failed renewal only risks a retry, which the nonce makes harmless
                log.warning("could not renew the claim on a batch of reminders")
