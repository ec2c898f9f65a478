"""Which local day a check-in is for: "today", "yesterday", a weekday name or a date.

A flare can take a member away for several days, so any of the last week can be back-filled.
Members type days the way they say them ("monday", "sat", "12 June", "2025-06-12"); the
autocomplete offers the same days with the date spelled out, and its value is the ISO date the
member *saw* in the list, so a day picked just before midnight still means that day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.checkins.models import MONTHS

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


def parse_day(text: str | None, today: date) -> date | None:
    """The local date meant by ``text``, when it is today or one of the back-fill days.

    A weekday name means the latest such day (today when today has that name). A date without a
    year means the one inside the window. Returns None for anything else, so the caller can say
    kindly which days work.
    """
    if text is None:
        return today
    cleaned = re.sub(r"[(),]", " ", text.casefold()).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if cleaned in {"", "today"}:
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    try:
        return _in_window([date.fromisoformat(cleaned)], today)
    except ValueError:
        pass
    words = cleaned.split(" ")
    if words[0] in {"today", "yesterday"}:  # an autocomplete label typed back, "yesterday mon 30 nov"
        return parse_day(words[0], today)
    if len(words) == 1 and (weekday := _weekday(words[0])) is not None:
        back = (today.weekday() - weekday) % 7
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
        return _in_window(candidates, today)
    return None


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
