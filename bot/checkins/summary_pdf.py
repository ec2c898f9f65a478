"""A one-page appointment summary as a PDF, for a member to print or show their clinician.

Appointments are short and clinicians read fast, so everything fits one A4 page: the period,
how many days were logged, the median and range of each measure with its scale spelled out, the
flare days, the chart, and (only when the member chooses) their notes. It is drawn with
matplotlib's own PDF backend on a bare ``Figure`` (no pyplot, no global state), the same way the
PNG chart is, so no other library is needed.

Member text is drawn with ``parse_math=False`` (a note with two "$" signs must not become
mathematics) and characters the font cannot draw are dropped first, so matplotlib never warns
about a glyph, which would put a piece of a note in the logs.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from bot.checkins.charts import INK, draw_chart
from bot.checkins.models import SCALES, CheckIn, by_day, flare_days, format_day, format_number, median, plural

A4_IN = (8.27, 11.69)
CHART_MAX_DAYS = 365
NOTES_MAX_LINES = 16
_NOTE_WIDTH = 105  # characters per line at the notes' font size


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Code points the default font can draw."""
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> str:
    """``text`` without characters the font has no glyph for (emoji, most scripts it lacks)."""
    ok = _drawable()
    return "".join(ch for ch in text if ord(ch) in ok or ch in " \n")


def flare_ranges(checkins: Sequence[CheckIn]) -> str:
    """Flare days as short runs: "2–3 March 2025, 20 March 2025"."""
    days = sorted(c.day for c in checkins if c.flare)
    runs: list[tuple[date, date]] = []
    for d in days:
        if runs and runs[-1][1] == d - timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    parts = []
    for a, b in runs:
        if a == b:
            parts.append(format_day(a))
        elif (a.month, a.year) == (b.month, b.year):
            parts.append(f"{a.day}–{format_day(b)}")
        else:
            parts.append(f"{format_day(a)} – {format_day(b)}")
    return ", ".join(parts)


def measure_rows(checkins: Sequence[CheckIn]) -> list[tuple[str, str, str, str]]:
    """(measure and scale, median, range, days answered) for each measure."""
    out = []
    for scale in SCALES:
        values = [v for c in checkins if (v := getattr(c, scale.field)) is not None]
        value = median(checkins, scale.field)
        out.append((
            f"{scale.label} ({scale.low} {scale.low_means} – {scale.high} {scale.high_means})",
            "—" if value is None else format_number(value),
            "—" if not values else f"{min(values)}–{max(values)}",
            str(len(values)),
        ))
    return out


def _notes_lines(checkins: Sequence[CheckIn]) -> list[str]:
    lines: list[str] = []
    for c in checkins:
        if not c.note:
            continue
        text = drawable(" ".join(c.note.split()))
        wrapped = textwrap.wrap(f"{format_day(c.day)}: {text}", _NOTE_WIDTH) or [format_day(c.day)]
        lines.extend(wrapped)
    return lines


def summary_figure(checkins: Sequence[CheckIn], today: date, *, include_notes: bool = False) -> Figure:
    """The page as a bare Figure (no canvas attached yet). Raises ValueError with no check-ins."""
    rows = by_day(checkins)
    if not rows:
        raise ValueError("An appointment summary needs at least one check-in.")
    first, last = rows[0].day, rows[-1].day
    fig = Figure(figsize=A4_IN, facecolor="white")

    def text(x: float, y: float, s: str, **kw: object) -> None:
        kw.setdefault("color", INK)
        fig.text(x, y, s, parse_math=False, **kw)  # type: ignore[arg-type]

    text(0.07, 0.955, "Check-in summary for an appointment", fontsize=17, weight="bold")
    span = (last - first).days + 1
    text(0.07, 0.93, f"{format_day(first)} to {format_day(last)}: {len(rows)} of {plural(span, 'day')} "
                     f"logged. Prepared {format_day(today)}.", fontsize=10.5)

    y = 0.895
    for col, x in zip(("Measure (scale)", "Median", "Range", "Days"), (0.07, 0.68, 0.78, 0.88), strict=True):
        text(x, y, col, fontsize=10, weight="bold")
    for measure in measure_rows(rows):
        y -= 0.021
        for value, x in zip(measure, (0.07, 0.68, 0.78, 0.88), strict=True):
            text(x, y, value, fontsize=10)
    y -= 0.032
    flares = flare_days(rows)
    text(0.07, y, f"Flare days: {flares}" if flares else "Flare days: none recorded", fontsize=10.5, weight="bold")
    if flares:
        wrapped = textwrap.wrap(flare_ranges(rows), 110)
        if len(wrapped) > 3:
            wrapped = [*wrapped[:2], wrapped[2] + " … (all of them are in the CSV export)"]
        for line in wrapped:
            y -= 0.018
            text(0.07, y, line, fontsize=9)
    text(0.07, y - 0.025, "Medians, not averages: one unusual day does not skew them.", fontsize=8.5,
         color="#555555", style="italic")

    chart_top = y - 0.04
    chart_bottom = 0.30 if include_notes else 0.06
    chart_start = max(first, last - timedelta(days=CHART_MAX_DAYS - 1))
    # subfigures (not a gridspec slot) so the chart's own layout is relative to its part of the page
    sub = fig.subfigures(3, 1, height_ratios=[1 - chart_top, chart_top - chart_bottom, chart_bottom],
                         hspace=0)[1]
    draw_chart(sub, rows, chart_start, last, box=(0.06, 0.98, 0.84, 0.08))

    if include_notes:
        lines = _notes_lines(rows)
        text(0.07, 0.275, "Notes", fontsize=10.5, weight="bold")
        if not lines:
            text(0.07, 0.255, "No notes in this period.", fontsize=9)
        shown = lines[-NOTES_MAX_LINES:]  # the most recent notes matter most at an appointment
        for i, line in enumerate(shown):
            text(0.07, 0.255 - i * 0.0135, line, fontsize=8.5)
        if len(shown) < len(lines):
            text(0.07, 0.255 - len(shown) * 0.0135, "Earlier notes are in the CSV export.", fontsize=8.5,
                 style="italic", color="#555555")
    text(0.07, 0.02, "Made by the member with their group's check-in bot. Only the member can see their check-ins.",
         fontsize=7.5, color="#555555")

    return fig


def render_summary_pdf(checkins: Sequence[CheckIn], today: date, *, include_notes: bool = False) -> bytes:
    """The one-page PDF for all of ``checkins`` (the chart shows at most the last year)."""
    fig = summary_figure(checkins, today, include_notes=include_notes)
    FigureCanvasPdf(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf", metadata={"Title": "Check-in summary", "Creator": None,
                                                "Producer": None, "CreationDate": None})
    return buffer.getvalue()
