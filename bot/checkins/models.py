"""The daily check-in record, its scales and kind validation messages.

Every score is optional: on a bad day a member may only manage one answer, and a partial check-in
still counts. Validation returns messages instead of raising so the bot can show all of them at
once, in plain words, without making the member feel they did something wrong.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.ui import plural  # noqa: F401  (re-exported: the check-in modules import it from here)

NOTE_MAX = 500

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Numbers members spell out for days back ("two days ago") and clock hours ("half past seven").
NUMBER_WORDS = {w: i + 1 for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split())}


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One member's check-in for one local calendar day.

    ``day`` is the member's LOCAL date when they checked in (never a UTC date), so a later time-zone
    change does not move days already stored. Scales: pain, fatigue and brain fog 0 (none) to 10
    (worst); sleep quality 0 (very poor) to 10 (very good); mood 1 (very low) to 5 (very good).
    """

    day: date
    pain: int | None = None
    fatigue: int | None = None
    sleep: int | None = None
    fog: int | None = None
    mood: int | None = None
    flare: bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Scale:
    """How one score is asked, shown and checked; one table so forms, charts and exports agree."""

    field: str  # attribute of CheckIn
    label: str  # "Pain", used at the start of a sentence
    low: int
    high: int
    low_means: str
    high_means: str


SCALES: tuple[Scale, ...] = (
    Scale("pain", "Pain", 0, 10, "no pain", "worst pain"),
    Scale("fatigue", "Fatigue", 0, 10, "no fatigue", "worst fatigue"),
    Scale("sleep", "Sleep quality", 0, 10, "very poor sleep", "very good sleep"),
    Scale("fog", "Brain fog", 0, 10, "clear head", "worst fog"),
    Scale("mood", "Mood", 1, 5, "very low", "very good"),
)
SCALE_BY_FIELD: dict[str, Scale] = {s.field: s for s in SCALES}


def _score_ok(value: object, scale: Scale) -> bool:
    # bool is an int subclass; True as a pain score is a bug upstream, not a 1.
    return isinstance(value, int) and not isinstance(value, bool) and scale.low <= value <= scale.high


def validate(
    *,
    pain: object = None,
    fatigue: object = None,
    sleep: object = None,
    fog: object = None,
    mood: object = None,
    flare: object = None,
    note: object = None,
) -> list[str]:
    """Every problem with the given answers as a kind sentence; an empty list means all is well.

    Takes plain values (not a CheckIn) so a form handler can check input before building one.
    ``None`` always means "skipped", which is fine for every answer.
    """
    messages: list[str] = []
    values = {"pain": pain, "fatigue": fatigue, "sleep": sleep, "fog": fog, "mood": mood}
    for scale in SCALES:
        value = values[scale.field]
        if value is not None and not _score_ok(value, scale):
            messages.append(f"{scale.label} should be a number from {scale.low} to {scale.high}.")
    if flare is not None and not isinstance(flare, bool):
        messages.append("Flare day should be yes or no.")
    if note is not None:
        if not isinstance(note, str):
            messages.append("The note should be plain text.")
        elif len(note) > NOTE_MAX:
            messages.append(
                f"Notes can be up to {NOTE_MAX} characters and this one is {len(note)}. "
                "Could you shorten it a little?"
            )
    return messages


def checkin_problems(checkin: CheckIn) -> list[str]:
    """Problems with a built CheckIn (for data from an import or an old row)."""
    messages = validate(
        pain=checkin.pain,
        fatigue=checkin.fatigue,
        sleep=checkin.sleep,
        fog=checkin.fog,
        mood=checkin.mood,
        flare=checkin.flare,
        note=checkin.note,
    )
    if not isinstance(checkin.day, date):
        messages.insert(0, "The day should be a calendar date.")
    return messages


def by_day(checkins: Iterable[CheckIn]) -> list[CheckIn]:
    """Check-ins sorted by day, one per day (the last one given wins, as an edit would)."""
    latest: dict[date, CheckIn] = {}
    for checkin in checkins:
        latest[checkin.day] = checkin
    return [latest[d] for d in sorted(latest)]


def median(checkins: Sequence[CheckIn], field: str) -> float | None:
    """Median of one score over the check-ins that answered it; None when none did.

    Medians, not means: one terrible day should not drag a month's picture the way a mean would.
    """
    values = [v for c in checkins if (v := getattr(c, field)) is not None]
    return statistics.median(values) if values else None


def flare_days(checkins: Iterable[CheckIn]) -> int:
    """Number of check-ins marked as a flare day."""
    return sum(1 for c in checkins if c.flare)


def format_number(value: float) -> str:
    """Show 6.0 as "6" and 6.5 as "6.5", so medians read naturally in sentences."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def format_day(day: date) -> str:
    """A date like 3 March 2025: unambiguous on both sides of the Atlantic, locale-independent."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


