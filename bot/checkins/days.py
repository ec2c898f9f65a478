"""Which local day a check-in is for: "today", "yesterday", a weekday name or a date.

A flare can take a member away for several days, so any of the last week can be back-filled.
Members type days the way they say them ("monday", "last sat", "3 days ago", "12 June",
"2025-06-12"); a real day outside the window is refused by name, so the member learns why. The
autocomplete offers the same days with the date spelled out, and its value is the ISO date the
member *saw* in the list, so a day picked just before midnight still means that day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.checkins.models import MONTHS, NUMBER_WORDS

BACKFILL_DAYS = 7  # today and the 7 days before it can be logged
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_MONTHS = {m[:3].casefold(): i + 1 for i, m in enumerate(MONTHS)}
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")


def loggable_days(today: date) -> list[date]:
    """Today first, then each earlier day that can still be back-filled."""
    return [today - timedelta(days=n) for n in range(BACKFILL_DAYS + 1)]


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    matches = [i for i, name in enumerate(_WEEKDAYS) if name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def _month(word: str) -> int | None:
    return _SHORT_MONTHS.get(word[:3]) if len(word) >= 3 and any(
        m.casefold().startswith(word) for m in MONTHS) else None


def _in_window(candidates: list[date], today: date) -> date | None:
    window = set(loggable_days(today))
    inside = [d for d in candidates if d in window]
    return inside[0] if len(inside) == 1 else None


_LEADING_WORDS = ("last", "on", "this", "past")  # "on monday", "last tues": the weekday decides
_RELATIVE_WORDS = {*_LEADING_WORDS, "just", "gone", "the"}  # and "monday just gone"
_DAYS_AGO = re.compile(r"^(\d{1,3}|[a-z]+) days? ago$")


def parse_day(text: str | None, today: date) -> date | None:
    """The local date meant by ``text``, when it is today or one of the back-fill days.

    A weekday name means the latest such day (today when today has that name; "last monday" the
    one before today). A date without a year means the one inside the window. Returns None for
    anything else, so the caller can say kindly which days work (:func:`day_problem`).
    """
    meant = meant_day(text, today)
    return meant if meant is not None and meant in set(loggable_days(today)) else None


def meant_day(text: str | None, today: date) -> date | None:
    """The date ``text`` names, inside the back-fill window or not (None: not a day at all).

    Kept apart from :func:`parse_day` so that a member who typed a real date a fortnight back is
    told it is too long ago, not that the bot did not understand."""
    if text is None:
        return today
    cleaned = re.sub(r"[(),]", " ", text.casefold()).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if cleaned in {"", "today"}:
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if cleaned in {"day before yesterday", "the day before yesterday"}:
        return today - timedelta(days=2)
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if ago := _DAYS_AGO.match(cleaned):
        count = int(ago.group(1)) if ago.group(1).isdigit() else NUMBER_WORDS.get(ago.group(1))
        return None if count is None else today - timedelta(days=count)
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    words = cleaned.split(" ")
    if words[0] in {"today", "yesterday"}:  # an autocomplete label typed back, "yesterday mon 30 nov"
        return meant_day(words[0], today)
    named = [w for w in words if w not in _RELATIVE_WORDS]
    if len(named) == 1 and (weekday := _weekday(named[0])) is not None:
        back = (today.weekday() - weekday) % 7
        if back == 0 and "last" in words:
            back = 7  # "last monday" said on a Monday: a week ago, not today
        return today - timedelta(days=back)
    if len(words) > 1 and _weekday(words[0]) is not None:
        words = words[1:]  # "monday 12 june": the date decides
    rest = " ".join(words)
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.match(rest)
        if not match:
            continue
        month = _month(match.group(month_group))
        if month is None:
            return None
        day = int(match.group(day_group))
        years = [int(match.group(3))] if match.group(3) else [today.year, today.year - 1]
        candidates = []
        for year in years:
            try:
                candidates.append(date(year, month, day))
            except ValueError:
                continue
        if not candidates:
            return None
        inside = _in_window(candidates, today)
        if inside is not None:
            return inside
        past = [d for d in candidates if d <= today]  # outside the window: the latest that has been
        return max(past) if past else min(candidates)
    return None


def day_problem(text: str | None, today: date) -> str:
    """Why ``text`` cannot be logged, in words that say what to do instead."""
    meant = meant_day(text, today)
    if meant is not None and meant > today:
        return (f"{_spelled(meant)} hasn't happened yet where you are, so it can't be logged yet. "
                + WINDOW_HELP)
    if meant is not None and meant < today - timedelta(days=BACKFILL_DAYS):
        earliest = today - timedelta(days=BACKFILL_DAYS)
        return (f"{_spelled(meant)} is more than {BACKFILL_DAYS} days ago, so I can't back-fill it: "
                f"the earliest day I can log is {_spelled(earliest)}.")
    return WINDOW_HELP


def _spelled(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTHS[day.month - 1]} {day.year}"


def day_label(day: date, today: date) -> str:
    """How a day reads in the list: "Today (Tue 1 December)", "Sunday 29 November"."""
    weekday, day_month = _WEEKDAYS[day.weekday()].capitalize(), f"{day.day} {MONTHS[day.month - 1]}"
    if day == today:
        return f"Today ({weekday[:3]} {day_month})"
    if day == today - timedelta(days=1):
        return f"Yesterday ({weekday[:3]} {day_month})"
    return f"{weekday} {day_month}"


def day_choices(text: str, today: date) -> list[tuple[str, str]]:
    """Autocomplete (label, ISO date) for the loggable days that match what was typed."""
    query = re.sub(r"\s+", " ", (text or "").casefold()).strip()
    meant = parse_day(query, today) if query else None
    words = query.split(" ")
    while words and words[0] and any(w.startswith(words[0]) for w in _LEADING_WORDS):
        words = words[1:]  # "last tue" filters like "tue"; a half-typed "las" lists every day
    query = " ".join(words)
    choices = []
    for day in loggable_days(today):
        label = day_label(day, today)
        if not query or day == meant or query in label.casefold() or query in day.isoformat():
            choices.append((label, day.isoformat()))
    return choices


WINDOW_HELP = (
    "You can log today or back-fill any of the last 7 days: type yesterday, a weekday such as "
    "monday, or a date such as 12 June, or pick one from the list."
)
