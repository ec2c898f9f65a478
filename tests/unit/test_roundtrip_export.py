"""Export as a reviewer reads it: editing one field of a content file changes one line, and
source lines that could break out of a Markdown link are refused in files and forms alike."""

from __future__ import annotations

import difflib
from datetime import date

import pytest
from pydantic import ValidationError

from bot.faq.loader import load_entries, parse_entry
from bot.faq.models import Source
from bot.faq.render import answer_card, escape_markdown
from bot.faq.roundtrip import update_entry_text
from bot.moderation.forms import build_draft, form_values
from tests.conftest import CONTENT

PACK = load_entries(CONTENT).entries
HOSTILE_LINE = "Title | NHS | 2024 | https://www.nhs.uk/)[text](https://other.example/x"


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("entry_id", sorted(PACK))
def test_an_unchanged_entry_is_written_back_byte_for_byte(entry_id: str) -> None:
    entry = PACK[entry_id]
    text = (CONTENT / entry.pack / f"{entry_id}.md").read_text(encoding="utf-8")
    assert update_entry_text(text, entry) == text


def test_one_alias_added_is_a_one_line_diff() -> None:
    entry = PACK["pacing"]
    text = (CONTENT / entry.pack / "pacing.md").read_text(encoding="utf-8")
    meta = entry.meta.model_copy(update={"aliases": [*entry.meta.aliases, "how do i pace a good day"]})
    new_text = update_entry_text(text, entry.model_copy(update={"meta": meta}))
    assert changed_lines(text, new_text) == ["+  - how do i pace a good day"]
    parsed, problems = parse_entry(new_text, label="pacing.md", pack=entry.pack, expected_id="pacing")
    assert problems == [] and parsed is not None and parsed.meta.aliases[-1] == "how do i pace a good day"


def test_a_sign_off_changes_only_the_review_lines_and_a_summary_stays_folded() -> None:
    entry = PACK["pacing"]
    text = (CONTENT / entry.pack / "pacing.md").read_text(encoding="utf-8")
    meta = entry.meta.model_copy(update={"review": "reviewed", "reviewed_by": "Sam", "reviewed_on": date(2026, 12, 1),
                                         "review_due": date(2027, 12, 1)})
    signed = update_entry_text(text, entry.model_copy(update={"meta": meta}))
    assert changed_lines(text, signed) == ["-review: drafted", "+review: reviewed", "+reviewed_by: Sam",
                                           "+reviewed_on: 2026-12-01", "+review_due: 2027-12-01"]
    summary = meta.model_copy(update={"summary": meta.summary.replace("build up slowly", "build up gently")})
    folded = update_entry_text(text, entry.model_copy(update={"meta": summary}))
    assert "summary: >-" in folded
    parsed, _ = parse_entry(folded, label="pacing.md", pack=entry.pack, expected_id="pacing")
    assert parsed is not None and "build up gently" in parsed.meta.summary


@pytest.mark.parametrize("url", [
    "https://www.nhs.uk/)[text](https://other.example/x",
    "http://www.nhs.uk/conditions/fibromyalgia/",
    "javascript:alert(1)",
    "https://",
    "https:///path-only",
    "https://localhost/x",
    "https://user:secret@www.nhs.uk/",
    "https://www.nhs.uk/a page",
    "https://www.nhs.uk/<script>",
    "www.nhs.uk/conditions",
])
def test_only_plain_https_links_to_a_host_are_accepted(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Source(title="Fibromyalgia", publisher="NHS", year=2024, url=url)
    assert caught.value.errors()[0]["loc"] == ("url",)


def test_a_hostile_source_in_a_file_is_an_error_naming_the_field() -> None:
    text = (CONTENT / "fibromyalgia" / "pacing.md").read_text(encoding="utf-8")
    first_url = PACK["pacing"].meta.sources[0].url
    hostile = text.replace(first_url, "https://www.nhs.uk/)[text](https://other.example/x")
    entry, problems = parse_entry(hostile, label="pacing.md", pack="fibromyalgia", expected_id="pacing")
    assert entry is None and [p.field for p in problems] == ["sources.0.url"]
    assert "characters a link cannot hold" in problems[0].message


def test_a_hostile_source_in_the_form_is_refused_with_its_line_and_field() -> None:
    values = form_values(PACK["pacing"])
    values["sources"] = f"{values['sources']}\n{HOSTILE_LINE}\nOld | Site | 2010 | http://example.org/x"
    result = build_draft(values, entry_id="pacing", category="self-care", pack="fibromyalgia", keep=PACK["pacing"],
                         today=date(2026, 12, 1))
    assert result.entry is None
    assert any(p.startswith("Sources, line 3, link: contains characters a link cannot hold") for p in result.problems)
    assert any(p.startswith("Sources, line 4, link: must be a web link starting with https://")
               for p in result.problems)


def test_titles_are_escaped_so_a_source_renders_exactly_one_link() -> None:
    source = Source(title="Guide [click](https://evil.example) *now*", publisher="A_B", year=2024,
                    url="https://www.nhs.uk/conditions/fibromyalgia/")
    entry = PACK["pacing"]
    meta = entry.meta.model_copy(update={"sources": [source]})
    card = answer_card(entry.model_copy(update={"meta": meta}))
    rendered = card.fields[0].value
    assert rendered.count("](") == 1 and "\\[click\\]\\(https://evil.example\\)" in rendered
    assert escape_markdown("a_b*c") == "a\\_b\\*c"
