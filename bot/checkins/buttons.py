"""Check-ins' custom ids: consent, the reminder's one-tap check-in, and stop's keep-or-delete.

The consent button carries the member's choices (zone and reminder time) until they press
"I agree", so both are parsed as strictly as the command's own options: a known IANA zone in its
canonical spelling and an HH:MM time (full-width digits read as ASCII, ``9999`` refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.checkins.timezones import canonical_zone
from bot.customid import Checked, ClockTime, Day, Family, Kind, Maybe, OneOf

ZONE = Checked(canonical_zone, most=64)


@dataclass(frozen=True, slots=True)
class Agree:
    """"I agree — start check-ins": the zone and the reminder time ("HH:MM", or None for none)."""

    zone: str
    reminder: str | None


@dataclass(frozen=True, slots=True)
class BareCheckin:
    """The "Check in" button of a reminder DM, for the local day it was sent for."""

    day: date


@dataclass(frozen=True, slots=True)
class Answer:
    """A button that only answers a question: ``decline`` consent, ``delete`` or ``keep`` on stop."""

    action: str


AGREE = Kind(Agree, "ci:agree:{zone}:{reminder}", zone=ZONE, reminder=Maybe(ClockTime()))
BARE = Kind(BareCheckin, "ci:bare:{day}", day=Day())
ANSWER = Kind(Answer, "ci:{action}", action=OneOf("decline", "delete", "keep"))
CHECKIN_IDS = Family("ci", [AGREE, BARE, ANSWER], "That button has expired. Please run the command again.")
