"""CSV export, the appointment summary, and the check-in record's validation messages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checkins.export import CSV_HEADER, appointment_summary, to_csv
from bot.checkins.models import NOTE_MAX, CheckIn, checkin_problems, validate

HEADER_LINE = b"date,pain,fatigue,sleep_quality,brain_fog,mood,flare_day,note\r\n"

ROWS = [
    CheckIn(date(2025, 3, 2), pain=8, fatigue=8, sleep=2, fog=7, mood=2, flare=True, note="Rough night"),
    CheckIn(date(2025, 3, 1), pain=6, fatigue=7, sleep=4, fog=5, mood=3, flare=False, note=None),
    CheckIn(date(2025, 3, 3), pain=7, fatigue=None, sleep=3, fog=None, mood=2, flare=True, note=""),
    CheckIn(date(2025, 3, 10), pain=4, fatigue=5, sleep=6, fog=3, mood=4, flare=None, note="ok"),
]


def read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# --- CSV ------------------------------------------------------------------------------------------


def test_header_only_when_empty() -> None:
    assert to_csv([]) == HEADER_LINE


def test_header_and_rows_in_date_order() -> None:
    data = to_csv(ROWS)
    assert data.startswith(HEADER_LINE)
    rows = read(data)
    assert rows[0] == list(CSV_HEADER)
    assert rows[1:] == [
        ["2025-03-01", "6", "7", "4", "5", "3", "no", ""],
        ["2025-03-02", "8", "8", "2", "7", "2", "yes", "Rough night"],
        ["2025-03-03", "7", "", "3", "", "2", "yes", ""],
        ["2025-03-10", "4", "5", "6", "3", "4", "", "ok"],
    ]


def test_one_row_per_day_latest_wins() -> None:
    first = CheckIn(date(2025, 3, 1), pain=2)
    edited = CheckIn(date(2025, 3, 1), pain=5)
    rows = read(to_csv([first, edited]))
    assert len(rows) == 2
    assert rows[1][1] == "5"


@pytest.mark.parametrize(
    "note",
    [
        "tired, sore, foggy",
        'doctor said "pace yourself"',
        "line one\nline two",
        "crlf\r\nin the middle",
        "ends with a comma,",
        "naïve café — 痛み 🙂",
    ],
)
def test_notes_are_quoted_and_round_trip(note: str) -> None:
    data = to_csv([CheckIn(date(2025, 3, 1), note=note)])
    data.decode("utf-8")  # valid UTF-8
    rows = read(data)
    assert len(rows) == 2
    assert rows[1][7] == note


def test_quoting_in_the_raw_bytes() -> None:
    data = to_csv([CheckIn(date(2025, 3, 1), note='a, "b"')])
    assert data.endswith(b'"a, ""b"""\r\n')


@pytest.mark.parametrize("note", ["=1+1", "+44 7700 900123", "-5 today", "@SUM(A1:A2)", "\t=cmd", "\r=cmd"])
def test_formula_injection_is_neutralised(note: str) -> None:
    rows = read(to_csv([CheckIn(date(2025, 3, 1), note=note)]))
    assert rows[1][7] == "'" + note


@pytest.mark.parametrize("note", ["fine today", "1 = bad", "a-ok", "email me@x", "'quoted"])
def test_ordinary_notes_are_unchanged(note: str) -> None:
    assert read(to_csv([CheckIn(date(2025, 3, 1), note=note)]))[1][7] == note


@given(st.text(max_size=NOTE_MAX))
def test_no_note_can_become_a_formula(note: str) -> None:
    rows = read(to_csv([CheckIn(date(2025, 3, 1), pain=3, note=note)]))
    assert len(rows) == 2
    cell = rows[1][7]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (note, "'" + note)


# --- appointment summary --------------------------------------------------------------------------


def test_appointment_summary_numbers() -> None:
    text = appointment_summary(ROWS)
    lines = text.splitlines()
    assert lines[0] == "Check-ins from 1 March 2025 to 10 March 2025 (10 days)"
    assert "Days checked in: 4" in lines
    # pain 6, 8, 7, 4 -> 6.5; fatigue 7, 8, 5 -> 7; sleep 4, 2, 3, 6 -> 3.5; fog 5, 7, 3 -> 5
    # mood 3, 2, 2, 4 -> 2.5
    assert "Median pain: 6.5 / 10" in lines
    assert "Median fatigue: 7 / 10" in lines
    assert "Median sleep quality: 3.5 / 10" in lines
    assert "Median brain fog: 5 / 10" in lines
    assert "Median mood: 2.5 / 5" in lines
    assert "Flare days: 2" in lines
    assert "sleep quality 0 = very poor" in text


def test_appointment_summary_with_unanswered_scores() -> None:
    text = appointment_summary([CheckIn(date(2025, 3, 1), pain=3)])
    assert "Check-ins from 1 March 2025 to 1 March 2025 (1 day)" in text
    assert "Median fatigue: not recorded" in text
    assert "Flare days: 0" in text


def test_appointment_summary_when_empty() -> None:
    assert appointment_summary([]) == "No check-ins yet."


def test_appointment_summary_is_short_plain_text() -> None:
    text = appointment_summary(ROWS)
    assert len(text.splitlines()) <= 10
    assert "*" not in text and "#" not in text


# --- validation of the record ---------------------------------------------------------------------


def test_valid_answers_have_no_problems() -> None:
    assert validate() == []
    assert validate(pain=0, fatigue=10, sleep=5, fog=3, mood=1, flare=False, note="x" * NOTE_MAX) == []
    assert checkin_problems(ROWS[0]) == []


def test_kind_messages_for_out_of_range_scores() -> None:
    assert validate(pain=11) == ["Pain should be a number from 0 to 10."]
    assert validate(fatigue=-1) == ["Fatigue should be a number from 0 to 10."]
    assert validate(sleep=12) == ["Sleep quality should be a number from 0 to 10."]
    assert validate(fog=99) == ["Brain fog should be a number from 0 to 10."]
    assert validate(mood=0) == ["Mood should be a number from 1 to 5."]
    assert validate(mood=6) == ["Mood should be a number from 1 to 5."]


def test_wrong_types_are_reported_not_crashed_on() -> None:
    assert validate(pain="7") == ["Pain should be a number from 0 to 10."]
    assert validate(pain=7.5) == ["Pain should be a number from 0 to 10."]
    assert validate(pain=True) == ["Pain should be a number from 0 to 10."]
    assert validate(flare="yes") == ["Flare day should be yes or no."]
    assert validate(note=5) == ["The note should be plain text."]


def test_every_problem_is_reported_at_once() -> None:
    problems = validate(pain=11, mood=9, note="x" * (NOTE_MAX + 1))
    assert len(problems) == 3
    assert f"up to {NOTE_MAX} characters" in problems[2]
    assert "501" in problems[2]


def test_checkin_problems_checks_the_day() -> None:
    bad = CheckIn("2025-03-01", pain=3)  # type: ignore[arg-type]
    assert checkin_problems(bad) == ["The day should be a calendar date."]


def test_checkin_is_immutable() -> None:
    with pytest.raises(AttributeError):
        ROWS[0].pain = 1  # type: ignore[misc]
