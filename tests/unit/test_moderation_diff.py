"""The pieces a reviewer reads: diffs clipped for Discord, the source line format, field names."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.faq.loader import load_entries
from bot.moderation.common import join_lines
from bot.moderation.diff import changed_fields, code_block, content_hash, entry_text, unified
from bot.moderation.forms import build_draft, form_values, friendly_field, parse_sources
from bot.moderation.store import one_year_after
from tests.conftest import CONTENT

PACING = load_entries(CONTENT).entries["pacing"]


def test_code_block_never_loses_its_closing_fence() -> None:
    diff = "\n".join(f"+line {n} " + "x" * 50 for n in range(200))
    block = code_block(diff, 1000, more_hint="; press Full view #3")
    assert len(block) <= 1000 and block.startswith("```diff\n") and block.endswith("\n```")
    assert "more lines; press Full view #3" in block


@given(st.text(max_size=3000), st.integers(min_value=60, max_value=4096))
def test_code_block_fits_any_text_and_limit(text: str, limit: int) -> None:
    block = code_block(text, limit)
    assert len(block) <= limit and block.endswith("```") and block.count("```") == 2


def test_text_cannot_close_the_code_block_early() -> None:
    block = code_block("+```\n+@everyone", 500)
    assert block.count("```") == 2


def test_unified_diff_of_file_text() -> None:
    changed = PACING.model_copy(update={"body": PACING.body.replace("Boom and bust", "Boom-and-bust")})
    diff = unified(entry_text(PACING), entry_text(changed), old_label="live", new_label="draft")
    assert diff.startswith("--- live\n+++ draft") and "+**Boom-and-bust**" in diff
    assert unified("same", "same", old_label="a", new_label="b") == ""
    assert changed_fields(PACING, changed) == ["detail"]
    assert content_hash(PACING) != content_hash(changed) and content_hash(None) is None


def test_sources_are_read_line_by_line() -> None:
    sources, lines, problems = parse_sources(
        "- NICE | guideline NG193 | NICE | 2021 | https://www.nice.org.uk/guidance/ng193\n\n"
        "Missing parts | NHS\n"
        "Fibromyalgia | NHS | 2022 | https://www.nhs.uk/conditions/fibromyalgia/"
    )
    assert sources[0] == {"title": "NICE | guideline NG193", "publisher": "NICE", "year": 2021,
                          "url": "https://www.nice.org.uk/guidance/ng193"}
    assert lines == [1, 4]
    assert problems == ["Sources, line 3: write it as `Title | Publisher | Year | https://link` (I found 2 parts)."]


def test_an_entry_survives_the_form_unchanged() -> None:
    result = build_draft(form_values(PACING), entry_id="pacing", category="self-care", pack="fibromyalgia",
                         keep=PACING, today=PACING.meta.reviewed_on)
    assert result.problems == [] and result.entry is not None
    assert result.entry.same_content(PACING)


def test_field_names_are_the_forms() -> None:
    assert friendly_field(("sources", 1, "url"), source_lines=[2, 5]) == "Sources, line 5, link"
    assert friendly_field(["aliases", "0"]) == "Other ways to ask, line 1"
    assert friendly_field(("summary",)) == "Short answer"
    assert friendly_field(()) == "Entry"


def test_join_lines_says_how_many_were_left_out() -> None:
    lines = [f"line number {n}" for n in range(100)]
    text = join_lines(lines, 200)
    assert len(text) <= 200 and text.endswith("more.") and text.startswith("line number 0\n")
    assert join_lines(["a", "b"], 10) == "a\nb"


def test_review_is_due_a_year_later_even_from_a_leap_day() -> None:
    assert one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert one_year_after(date(2026, 11, 23)) == date(2027, 11, 23)


def test_a_status_change_says_what_it_does() -> None:
    """"(status)" does not tell a reviewer whether the draft brings an entry back or takes it away."""
    retired = PACING.model_copy(update={"meta": PACING.meta.model_copy(update={"status": "retired"})})
    assert changed_fields(PACING, retired) == ["retires it"]
    assert changed_fields(retired, PACING) == ["brings it back"]
