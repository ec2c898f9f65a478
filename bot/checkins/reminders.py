"""Reminders at the member's local time, computed from the database so they survive restarts.

Each member row holds ``next_reminder_at`` (a UTC instant). A scan picks rows that are due, and
for each one decides, from the member's local day:

* already checked in that day → no DM;
* the local day of the reminder has passed (the bot was down all evening) → no DM, never late;
* otherwise → one DM, recorded *before* sending so a crash can never cause a second one.

Then the row moves on to the next local day. A DM Discord refuses for good (error 50007, DMs
closed; 50278, the member shares no server with the bot any more) turns reminders off, and the
member is told the next time they use /checkin, so no failing reminder goes out every day.
"""

from __future__ import annotations

import logging
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


class Reminders:
    """Due reminder DMs: claimed in the database, then sent through the core's outbox."""

    def __init__(self, store: CheckinStore, outbox_source: object) -> None:
        self.store = store
        self._outbox_source = outbox_source  # the core: a front end hands it its own outbox

    @property
    def outbox(self) -> Outbox:
        return self._outbox_source.outbox  # type: ignore[attr-defined, no-any-return]

    async def scan(self, now: datetime) -> ScanResult:
        """One pass over due reminders: two queries and one transaction, then the DMs."""
        result = ScanResult()
        due = await self.store.due_reminders(now)
        plans: list[tuple[Member, date, bool, datetime]] = []
        for member in due:
            assert member.next_reminder_at is not None and member.reminder_time is not None
            due_day = local_day(member.timezone, member.next_reminder_at)
            following = next_reminder(member.timezone, parse_hhmm(member.reminder_time),
                                      max(now, member.next_reminder_at))
            timely = due_day == local_day(member.timezone, now) and member.last_reminded_day != due_day
            plans.append((member, due_day, timely, following))
        done = await self.store.checked_in({m.user_id: d for m, d, timely, _ in plans if timely})
        sends = {m.user_id for m, _, timely, _ in plans if timely and m.user_id not in done}
        won = await self.store.claim_reminders([
            (m.user_id, m.next_reminder_at, d if m.user_id in sends else None, nxt)  # type: ignore[misc]
            for m, d, _, nxt in plans
        ])
        for member, due_day, _, _ in plans:
            if member.user_id not in won:
                continue  # another scan already handled it
            if member.user_id not in sends:
                result.skipped += 1
                continue
            metrics.reminder_sent_late((now - member.next_reminder_at).total_seconds())  # type: ignore[operator]
            await self._deliver(member, due_day, result)
        return result

    async def _deliver(self, member: Member, day: date, result: ScanResult) -> None:
        delivery = await self.outbox.to_member(member.user_id, reminder_reply(day))
        if delivery is Delivery.DMS_CLOSED:
            await self.store.mark_dms_closed(member.user_id)
            result.dms_closed += 1
            log.info("reminders turned off for a member whose DMs are closed")
        elif delivery is Delivery.SENT:
            result.sent += 1
        else:
            log.warning("a reminder could not be delivered")
