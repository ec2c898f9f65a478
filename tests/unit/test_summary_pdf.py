"""The one-page appointment summary PDF: one page, the figures a clinician needs, notes only on request."""

from __future__ import annotations

import io
import warnings
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from bot.checkins.models import CheckIn
from bot.checkins.summary_pdf import drawable, flare_ranges, measure_rows, render_summary_pdf
from tests.unit.test_charts import MARCH, year_of_check_ins

TODAY = date(2025, 4, 1)


def page_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(p.extract_text() for p in reader.pages)


def test_one_page_with_period_medians_ranges_and_flares() -> None:
    pdf = render_summary_pdf(MARCH, TODAY)
    assert pdf.startswith(b"%PDF-")
    pages, text = page_text(pdf)
    assert pages == 1
    assert "1 March 2025 to 20 March 2025" in text
    assert "6 of 20 days logged" in text
    assert "Brain fog" in text and "Mood" in text
    assert "Flare days: 2" in text and "2–3 March 2025" in text
    assert "Notes" not in text


def test_measure_rows_give_median_range_and_count() -> None:
    rows = {r[0].split(" (")[0]: r[1:] for r in measure_rows(MARCH)}
    assert rows["Pain"] == ("6", "4–8", "5")
    assert rows["Fatigue"] == ("6.5", "5–8", "4")
    assert rows["Mood"] == ("3", "2–4", "5")


def test_notes_only_when_the_member_chooses() -> None:
    rows = [*MARCH, CheckIn(date(2025, 3, 21), pain=3, note="Physio helped; costs $5 and $10")]
    _, without = page_text(render_summary_pdf(rows, TODAY))
    assert "Physio" not in without
    _, with_notes = page_text(render_summary_pdf(rows, TODAY, include_notes=True))
    assert "Physio helped; costs $5 and $10" in with_notes  # dollars stay text, not mathematics


def test_a_year_with_many_notes_still_fits_one_page_without_warnings() -> None:
    end = date(2025, 6, 30)
    rows = [CheckIn(c.day, c.pain, c.fatigue, c.sleep, c.fog, c.mood, c.flare, f"note {i} \U0001fae0 \u2603 long " * 6)
            for i, c in enumerate(year_of_check_ins(end))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn, and carry note text into logs
        pdf = render_summary_pdf(rows, end, include_notes=True)
    pages, text = page_text(pdf)
    assert pages == 1 and "Earlier notes are in the CSV export" in text


def test_no_check_ins_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_summary_pdf([], TODAY)


def test_flare_ranges_and_drawable_text() -> None:
    days = [CheckIn(date(2025, 3, d), flare=True) for d in (2, 3, 4, 9)] + [CheckIn(date(2025, 3, 31), flare=True),
                                                                            CheckIn(date(2025, 4, 1), flare=True)]
    assert flare_ranges(days) == "2–4 March 2025, 9 March 2025, 31 March 2025 – 1 April 2025"
    assert drawable("ok \U0001fae0 fine") == "ok  fine"
    assert flare_ranges([CheckIn(date(2025, 3, 1) + timedelta(days=1))]) == ""
