"""How long a member's check-ins are kept, chosen by the member (``/mydata action:retention``).

"Forever" means until the member deletes them. A shorter choice is enforced on the reminder
loop's schedule (:mod:`bot.retention`): check-ins older than the window, in the member's own
local days, are deleted for real.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.checkins.store import CheckinStore, Member
from bot.checkins.timezones import local_day
from bot.ui import Actor, Reply

# choice value → (days or None, words)
CHOICES: dict[str, tuple[int | None, str]] = {
    "forever": (None, "until you delete them"),
    "1y": (365, "for 1 year"),
    "90d": (90, "for 90 days"),
}
NOT_ENROLLED = ("Retention applies to check-ins, and you haven't started them. `/checkin start` explains what "
                "is stored first.")


def describe(days: int | None) -> str:
    """How long check-ins are kept, in words ("for 90 days")."""
    for value, words in CHOICES.values():
        if value == days:
            return words
    return f"for {days} days"


async def set_retention(store: CheckinStore, actor: Actor, keep: str | None) -> Reply:
    """`/mydata action:retention`: change how long the member's check-ins are kept."""
    member = await store.member(actor.user_id)
    if member is None:
        return Reply.text(NOT_ENROLLED)
    if keep is None:
        return Reply.text(f"Your check-ins are kept {describe(member.retention_days)}. To change it, use "
                          "`/mydata action:retention` again and pick keep: forever, 1 year or 90 days.")
    if keep not in CHOICES:
        return Reply.text("Please choose forever, 1 year or 90 days. Nothing was changed.")
    days, words = CHOICES[keep]
    await store.set_retention(actor.user_id, days)
    extra = " Older check-ins are deleted within the hour, and from then on every day." if days else ""
    return Reply.text(f"Done — your check-ins are now kept {words}.{extra}")


def cutoff(member: Member, now: datetime) -> date:
    """The first local day still kept for this member."""
    assert member.retention_days is not None
    return local_day(member.timezone, now) - timedelta(days=member.retention_days - 1)


async def purge(store: CheckinStore, now: datetime) -> int:
    """Delete check-ins older than each member's chosen retention; returns how many went."""
    members = await store.retention_members()
    if not members:
        return 0
    return await store.delete_before([(m.user_id, cutoff(m, now)) for m in members])  # type: ignore[misc]
