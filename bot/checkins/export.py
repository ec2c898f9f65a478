"""A member's own data, for them to keep or to take to an appointment.

The CSV is meant to be opened in a spreadsheet, so notes are written defensively: a note typed as
``=HYPERLINK(...)`` must stay text, never become a live formula in the member's (or their
clinician's) spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.checkins.models import (
    SCALES,
    CheckIn,
    by_day,
    flare_days,
    format_day,
    format_number,
    median,
    plural,
)

CSV_HEADER = ("date", "pain", "fatigue", "sleep_quality", "brain_fog", "mood", "flare_day", "note")

# Spreadsheets start a formula at these characters (tab and carriage return too, per OWASP's
# CSV injection guidance, since some programs strip them and then see a formula).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str | None) -> str:
    """Free text as a cell that a spreadsheet shows as text and never evaluates."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _flare(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def to_csv(checkins: Iterable[CheckIn]) -> bytes:
    """UTF-8 CSV, one row per day in date order; a skipped answer is an empty cell.

    Quoting follows RFC 4180 (commas, quotes and line breaks in notes are quoted, CRLF row ends),
    which every spreadsheet program reads.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for c in by_day(checkins):
        writer.writerow(
            (
                c.day.isoformat(),
                _cell(c.pain),
                _cell(c.fatigue),
                _cell(c.sleep),
                _cell(c.fog),
                _cell(c.mood),
                _flare(c.flare),
                _safe_text(c.note),
            )
        )
    return buffer.getvalue().encode("utf-8")


def appointment_summary(checkins: Iterable[CheckIn]) -> str:
    """A few plain lines to show a doctor: period, number of check-ins, median scores, flares.

    Medians (not averages) so one unusual day does not skew the picture; the scales are spelled
    out because a clinician reading it has not seen the bot.
    """
    rows = by_day(checkins)
    if not rows:
        return "No check-ins yet."
    first, last = rows[0].day, rows[-1].day
    span = (last - first).days + 1
    lines = [
        f"Check-ins from {format_day(first)} to {format_day(last)} ({plural(span, 'day')})",
        f"Days checked in: {len(rows)}",
    ]
    for scale in SCALES:
        value = median(rows, scale.field)
        shown = "not recorded" if value is None else f"{format_number(value)} / {scale.high}"
        lines.append(f"Median {scale.label.lower()}: {shown}")
    lines.append(f"Flare days: {flare_days(rows)}")
    lines.append(
        "Scales: pain, fatigue and brain fog 0 = none to 10 = worst; "
        "sleep quality 0 = very poor to 10 = very good; mood 1 = very low to 5 = very good."
    )
    return "\n".join(lines)
