"""The check-in chart: a valid PNG in every case, no pyplot state, and alt text that says enough."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from bot.checkins.charts import ALT_TEXT_MAX, DPI, HEIGHT_IN, WIDTH_IN, chart_alt_text, render_chart
from bot.checkins.models import CheckIn

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = date(2025, 3, 1)
END = date(2025, 3, 31)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_chart(data: bytes) -> None:
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000
    assert data.endswith(b"IEND\xaeB`\x82")
    assert png_size(data) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))


def year_of_check_ins(end: date, seed: int = 7) -> list[CheckIn]:
    rng = random.Random(seed)
    rows = []
    for n in range(365):
        day = end - timedelta(days=n)
        if rng.random() < 0.15:
            continue
        pain = rng.randint(0, 10)
        rows.append(
            CheckIn(
                day,
                pain=pain,
                fatigue=rng.choice([None, rng.randint(0, 10)]),
                sleep=rng.randint(0, 10),
                fog=rng.randint(0, 10),
                mood=rng.randint(1, 5),
                flare=pain >= 8,
                note=None,
            )
        )
    return rows


MARCH = [
    CheckIn(date(2025, 3, 1), pain=6, fatigue=7, sleep=4, fog=5, mood=3, flare=False),
    CheckIn(date(2025, 3, 2), pain=8, fatigue=8, sleep=2, fog=7, mood=2, flare=True),
    CheckIn(date(2025, 3, 3), pain=7, fatigue=None, sleep=3, fog=None, mood=2, flare=True),
    CheckIn(date(2025, 3, 10), pain=4, fatigue=5, sleep=6, fog=3, mood=4, flare=False),
    CheckIn(date(2025, 3, 11), pain=None, fatigue=None, sleep=None, fog=None, mood=None, flare=None),
    CheckIn(date(2025, 3, 20), pain=5, fatigue=6, sleep=5, fog=4, mood=3, flare=False),
]


def test_renders_a_png() -> None:
    assert_chart(render_chart(MARCH, START, END))


def test_renders_with_no_check_ins() -> None:
    assert_chart(render_chart([], START, END))


def test_renders_with_gaps_and_missing_scores() -> None:
    rows = [
        CheckIn(date(2025, 3, 5), pain=3),  # a lone value between gaps
        CheckIn(date(2025, 3, 9), mood=4),
        CheckIn(date(2025, 3, 20), flare=True),
        CheckIn(date(2025, 3, 21), sleep=0, flare=True),
    ]
    assert_chart(render_chart(rows, START, END))


def test_renders_a_single_day() -> None:
    assert_chart(render_chart(MARCH[:1], START, START))
    assert_chart(render_chart([], START, START))


@pytest.mark.parametrize("days", [7, 45, 92, 200, 365, 800, 1100])
def test_renders_periods_of_any_length(days: int) -> None:
    end = date(2025, 6, 30)
    start = end - timedelta(days=days - 1)
    assert_chart(render_chart(year_of_check_ins(end), start, end))


def test_check_ins_outside_the_period_are_ignored() -> None:
    outside = [CheckIn(date(2024, 12, 1), pain=10), CheckIn(date(2025, 5, 1), pain=10)]
    assert render_chart([*MARCH, *outside], START, END) == render_chart(MARCH, START, END)


def test_end_before_start_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_chart(MARCH, END, START)
    with pytest.raises(ValueError):
        chart_alt_text(MARCH, END, START)


def test_rendering_is_deterministic_and_thread_safe() -> None:
    end = date(2025, 6, 30)
    rows = year_of_check_ins(end)
    start = end - timedelta(days=364)
    expected = render_chart(rows, start, end)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_chart(rows, start, end), range(8)))
    assert all(r == expected for r in results)


def test_no_pyplot_and_no_global_backend_change() -> None:
    code = textwrap.dedent(
        """
        import sys
        from datetime import date
        import matplotlib
        # read without resolving: rcParams["backend"] itself would import pyplot
        before = dict.__getitem__(matplotlib.rcParams, "backend")
        from bot.checkins.charts import render_chart
        from bot.checkins.models import CheckIn
        render_chart([CheckIn(date(2025, 3, 1), pain=3)], date(2025, 3, 1), date(2025, 3, 31))
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        assert dict.__getitem__(matplotlib.rcParams, "backend") == before, "the backend changed"
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- alt text -------------------------------------------------------------------------------------


def test_alt_text_gives_medians_and_flares_in_words() -> None:
    text = chart_alt_text(MARCH, START, END)
    assert "1 March 2025" in text and "31 March 2025" in text
    assert "6 check-ins" in text
    # pain 6, 8, 7, 4, 5 -> 6; fatigue 7, 8, 5, 6 -> 6.5; sleep 4, 2, 3, 6, 5 -> 4
    # fog 5, 7, 3, 4 -> 4.5; mood 3, 2, 2, 4, 3 -> 3
    assert "pain 6 out of 10" in text
    assert "fatigue 6.5 out of 10" in text
    assert "sleep quality 4 out of 10" in text
    assert "brain fog 4.5 out of 10" in text
    assert "mood 3 out of 5" in text
    assert "2 flare days" in text
    assert "Median" in text


def test_alt_text_for_an_empty_period() -> None:
    text = chart_alt_text([], START, END)
    assert "no check-ins" in text
    assert "1 March 2025" in text


def test_alt_text_when_a_score_was_never_answered() -> None:
    text = chart_alt_text([CheckIn(date(2025, 3, 4), pain=3)], START, END)
    assert "no fatigue scores" in text
    assert "No flare days" in text
    assert "1 check-in " in text


def test_alt_text_fits_discord() -> None:
    end = date(2025, 6, 30)
    text = chart_alt_text(year_of_check_ins(end), end - timedelta(days=364), end)
    assert len(text) <= ALT_TEXT_MAX
    assert "flare day" in text


# --- readable charts: every measure, one scale per panel, aggregation, trend in words ------------

from bot.checkins.charts import chart_figure  # noqa: E402


def _panels(rows: list[CheckIn], start: date, end: date) -> dict[str, object]:
    fig = chart_figure(rows, start, end)
    return {ax.get_title(loc="left").split(" (")[0]: ax for ax in fig.axes}


def test_every_measure_has_its_own_panel_and_scale() -> None:
    fig = chart_figure(MARCH, START, END)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[:5] == ["Pain (10 = worst)", "Fatigue (10 = worst)", "Sleep quality (10 = very good)",
                          "Brain fog (10 = worst)", "Mood (5 = very good)"]
    # no twin axes: every panel sits in its own place, so no line is drawn against another's scale
    positions = {tuple(round(v, 3) for v in ax.get_position().bounds) for ax in fig.axes}
    assert len(positions) == len(fig.axes) == 6
    panels = _panels(MARCH, START, END)
    fog_line = panels["Brain fog"].lines[0]  # type: ignore[attr-defined]
    fog = [v for v in fog_line.get_ydata() if v == v]
    assert fog == [5, 7, 3, 4]
    assert panels["Mood"].get_ylim()[1] < 6 and panels["Pain"].get_ylim()[1] > 10  # type: ignore[attr-defined]


def test_long_periods_are_aggregated_with_flare_days_counted() -> None:
    end = date(2025, 6, 30)
    rows = year_of_check_ins(end)
    for days, unit, buckets in ((90, "week", 14), (365, "month", 12)):
        start = end - timedelta(days=days - 1)
        panels = _panels(rows, start, end)
        pain = panels["Pain"].lines[0]  # type: ignore[attr-defined]
        assert buckets - 1 <= len(pain.get_xdata()) <= buckets + 1, days
        flares = panels[f"Flare days per {unit}"]
        counted = sum(p.get_height() for p in flares.patches)  # type: ignore[attr-defined]
        assert counted == sum(1 for c in rows if start <= c.day <= end and c.flare)


def test_a_long_view_starts_at_the_first_check_in() -> None:
    end = date(2025, 6, 30)
    recent = [c for c in year_of_check_ins(end) if c.day > end - timedelta(days=90)]
    fig = chart_figure(recent, end - timedelta(days=364), end)
    assert fig.get_suptitle().startswith(f"{min(c.day for c in recent).day} April 2025")
    assert fig.axes[0].get_xlim()[1] < 100  # three months fill the width


def test_alt_text_says_the_trend_in_words() -> None:
    rising = [CheckIn(START + timedelta(days=i), pain=2 + i // 4, mood=3, fog=5) for i in range(28)]
    text = chart_alt_text(rising, START, START + timedelta(days=27))
    assert "pain rose from 3 to 7" in text
    assert "mood held steady around 3" in text and "brain fog held steady around 5" in text
    assert "One panel per measure" in text
    assert "Too few check-ins to call a trend" in chart_alt_text(MARCH[:2], START, END)


def test_a_short_chart_marks_its_last_day_as_well_as_its_first() -> None:
    from bot.checkins.charts import _day_ticks

    offsets, labels = _day_ticks(date(2026, 11, 25), 7)
    assert offsets == [0, 6] and labels == ["25 Nov", "1 Dec"]
    offsets, labels = _day_ticks(date(2026, 11, 4), 28)
    assert offsets == [0, 7, 14, 27] and labels[-1] == "1 Dec"  # 21 would crowd the last date
    offsets, _ = _day_ticks(date(2026, 11, 1), 22)  # the last day is already a tick
    assert offsets == [0, 7, 14, 21]
    offsets, _ = _day_ticks(date(2026, 10, 24), 38)
    assert offsets == [0, 14, 37]


def test_a_new_members_28_days_span_all_28_with_the_days_before_shaded_as_not_logged() -> None:
    """"Your last 28 days" is those 28 days: a member three days in sees three days at the right
    of a four-week axis, not three days stretched across it."""
    from bot.checkins.charts import NOT_LOGGED_LABEL

    end = date(2026, 12, 1)
    start = end - timedelta(days=27)
    rows = [CheckIn(end - timedelta(days=i), pain=4 + i, mood=3, flare=i == 1) for i in range(3)]
    fig = chart_figure(rows, start, end)
    assert fig.get_suptitle().startswith("4 November 2026 – 1 December 2026")
    for ax in fig.axes:
        assert ax.get_xlim() == (-0.5, 27.5)
    pain = _panels(rows, start, end)["Pain"]
    ydata = list(pain.lines[0].get_ydata())  # type: ignore[attr-defined]
    assert len(ydata) == 28 and all(v != v for v in ydata[:25]) and ydata[25:] == [6, 5, 4]
    flare_panel = fig.axes[-1]
    shaded = [p for p in flare_panel.patches if p.get_x() == -0.5]
    assert shaded and shaded[0].get_width() == 25  # offsets 0..24: the days before the first check-in
    assert NOT_LOGGED_LABEL in [t.get_text() for t in flare_panel.texts]
    assert_chart(render_chart(rows, start, end))
    text = chart_alt_text(rows, start, end)
    assert "from 4 November 2026 to 1 December 2026" in text and "3 check-ins over 28 days" in text
    assert "first check-in in this period was on 29 November 2026; the 25 days before it are shown as not logged" in text


def test_a_28_day_view_with_check_ins_from_its_first_day_has_nothing_shaded() -> None:
    end = date(2026, 12, 1)
    start = end - timedelta(days=27)
    rows = [CheckIn(start + timedelta(days=i), pain=5) for i in range(0, 28, 3)]
    fig = chart_figure(rows, start, end)
    assert not [p for p in fig.axes[0].patches if p.get_x() == -0.5]
    assert "not logged" not in chart_alt_text(rows, start, end)
