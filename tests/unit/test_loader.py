"""Content loading: strict schema, every problem with file and field, last good set kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.faq.library import FaqLibrary
from bot.faq.lint import lint_pack
from bot.faq.loader import dump_entry, load_entries, parse_entry
from bot.problems import Severity

GOOD = """---
id: {id}
question: {question}
aliases: [{alias}, another way to ask {id}]
tags: [test]
category: basics
summary: A short, kind answer that a tired reader can take in at a glance.
sources:
  - title: A source
    publisher: NHS
    year: 2024
    url: https://www.nhs.uk/conditions/fibromyalgia/
reviewed_by: Moderator team
reviewed_on: 2026-11-01
review_due: 2027-11-01
status: {status}
---
The detail, in plain words.
"""


def write(folder: Path, entry_id: str, text: str) -> Path:
    path = folder / "pack" / f"{entry_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def good(entry_id: str, question: str = "What is this about?", status: str = "published", alias: str | None = None) -> str:
    return GOOD.format(id=entry_id, question=question, status=status, alias=alias or f"tell me about {entry_id}")


def test_valid_entry_loads(tmp_path: Path) -> None:
    write(tmp_path, "alpha", good("alpha"))
    result = load_entries(tmp_path)
    assert result.problems == []
    entry = result.entries["alpha"]
    assert entry.question == "What is this about?" and entry.body == "The detail, in plain words."
    assert entry.meta.sources[0].publisher == "NHS"


def test_every_problem_is_reported_with_file_and_field(tmp_path: Path) -> None:
    bad = good("beta").replace("category: basics", "category: gossip").replace(
        "summary: A short", "colour: blue\nsummary: A short"
    ).replace("  - title: A source\n", "  - titel: A source\n")
    path = write(tmp_path, "beta", bad)
    result = load_entries(tmp_path)
    assert result.entries == {}
    fields = {(p.file, p.field) for p in result.problems}
    assert (str(path), "category") in fields
    assert (str(path), "colour") in fields
    assert (str(path), "sources.0.title") in fields
    assert (str(path), "sources.0.titel") in fields
    assert all(p.severity is Severity.ERROR for p in result.problems)


def test_id_must_match_file_name_and_be_unique(tmp_path: Path) -> None:
    write(tmp_path, "gamma", good("delta"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "alpha.md").write_text(good("alpha"))
    write(tmp_path, "alpha", good("alpha"))
    result = load_entries(tmp_path)
    messages = [(p.field, p.message) for p in result.problems]
    assert any(f == "id" and "named 'gamma'" in m for f, m in messages)
    assert any(f == "id" and "already used" in m for f, m in messages)
    assert set(result.entries) == {"alpha"}


def test_summary_limit_missing_sources_bad_yaml_and_empty_body(tmp_path: Path) -> None:
    long = good("long").replace("summary: A short, kind answer that a tired reader can take in at a glance.", "summary: " + "x" * 301)
    write(tmp_path, "long", long)
    nosrc = good("nosrc").split("sources:")[0] + "sources: []\nreviewed_by: Moderator team\nreviewed_on: 2026-11-01\nreview_due: 2027-11-01\nstatus: published\n---\nBody\n"
    write(tmp_path, "nosrc", nosrc)
    write(tmp_path, "yaml", "---\nid: yaml\nquestion: [unclosed\n---\nbody\n")
    write(tmp_path, "empty", good("empty").replace("The detail, in plain words.\n", ""))
    write(tmp_path, "nofence", "id: nofence\n")
    result = load_entries(tmp_path)
    by_file = {Path(p.file).stem: p for p in result.problems}
    assert by_file["long"].field == "summary"
    assert by_file["nosrc"].field == "sources"
    assert by_file["yaml"].field == "front matter" and "line" in by_file["yaml"].message
    assert by_file["empty"].field == "body"
    assert "---" in by_file["nofence"].message
    assert result.entries == {}


def test_dates_must_be_in_order(tmp_path: Path) -> None:
    entry, problems = parse_entry(good("x").replace("review_due: 2027-11-01", "review_due: 2026-10-01"),
                                  label="x.md", pack="p", expected_id="x")
    assert entry is None and "review_due" in problems[0].message


def test_only_published_entries_are_served(tmp_path: Path) -> None:
    write(tmp_path, "pub", good("pub"))
    write(tmp_path, "draft", good("draft", status="draft"))
    write(tmp_path, "old", good("old", status="retired"))
    library = FaqLibrary(tmp_path)
    library.load()
    assert [e.id for e in library.published()] == ["pub"]
    assert library.get("draft") is None and library.get_any("draft") is not None


def test_reload_with_errors_keeps_serving_the_last_good_set(tmp_path: Path) -> None:
    write(tmp_path, "alpha", good("alpha"))
    write(tmp_path, "beta", good("beta", question="Is beta served?"))
    library = FaqLibrary(tmp_path)
    assert library.load().applied
    write(tmp_path, "beta", good("beta").replace("status: published", "status: maybe"))
    write(tmp_path, "gamma", good("gamma"))
    report = library.load()
    assert not report.applied and report.errors[0].field == "status"
    assert {e.id for e in library.published()} == {"alpha", "beta"}
    write(tmp_path, "beta", good("beta", question="Is beta fixed?"))
    report = library.load()
    assert report.applied and {e.id for e in library.published()} == {"alpha", "beta", "gamma"}
    assert library.get("beta").question == "Is beta fixed?"


def test_first_load_serves_the_valid_entries_despite_errors(tmp_path: Path) -> None:
    write(tmp_path, "alpha", good("alpha"))
    write(tmp_path, "broken", "---\nid: broken\n---\n")
    library = FaqLibrary(tmp_path)
    report = library.load()
    assert report.applied and report.errors and [e.id for e in library.published()] == ["alpha"]


def test_lint_warnings(tmp_path: Path) -> None:
    write(tmp_path, "one", good("one", alias="Shared Alias!"))
    write(tmp_path, "two", good("two", alias="shared alias").replace("review_due: 2027-11-01", "review_due: 2026-11-02"))
    write(tmp_path, "three", good("three").replace("The detail, in plain words.", "This is a miracle cure that always works. He committed suicide.\n" + "word " * 900))
    result = load_entries(tmp_path)
    labels = {e: f"{e}.md" for e in result.entries}
    warnings = lint_pack(result.entries.values(), labels=labels, today=date(2026, 11, 23))
    text = "\n".join(str(w) for w in warnings)
    assert all(w.severity is Severity.WARNING for w in warnings)
    assert "one.md: aliases.0" in text and "also used by two" in text
    assert "two.md: review_due: review was due" in text
    assert "'miracle'" in text and "'always'" in text and "'cure'" in text
    assert "committed suicide" in text
    assert "Discord embed" in text


def test_checked_claims_silence_absolute_word_warnings(tmp_path: Path) -> None:
    text = good("cure").replace("The detail, in plain words.", "There is no cure yet.")
    write(tmp_path, "cure", text)
    result = load_entries(tmp_path)
    assert any("'cure'" in w.message for w in lint_pack(result.entries.values(), labels={}, today=date(2026, 11, 23)))
    write(tmp_path, "cure", text.replace("status: published", "checked_claims: [cure]\nstatus: published"))
    result = load_entries(tmp_path)
    assert lint_pack(result.entries.values(), labels={}, today=date(2026, 11, 23)) == []


def test_dump_then_load_gives_the_same_entry(tmp_path: Path) -> None:
    write(tmp_path, "alpha", good("alpha").replace("status: published", "related: [beta]\nstatus: published"))
    original = load_entries(tmp_path).entries["alpha"]
    out = tmp_path / "export"
    (out / "pack").mkdir(parents=True)
    (out / "pack" / "alpha.md").write_text(dump_entry(original))
    again = load_entries(out).entries["alpha"]
    assert again.same_content(original)


def test_a_duplicate_id_is_reported_against_the_newer_file(tmp_path: Path) -> None:
    import os

    original = write(tmp_path, "alpha", good("alpha", question="The original question?"))
    copy = tmp_path / "another" / "alpha.md"  # sorts first, but was added later
    copy.parent.mkdir()
    copy.write_text(good("alpha", question="A copy pasted in later?"), encoding="utf-8")
    os.utime(original, (1_700_000_000, 1_700_000_000))
    os.utime(copy, (1_800_000_000, 1_800_000_000))
    result = load_entries(tmp_path)
    assert [(p.file, p.field) for p in result.problems] == [(str(copy), "id")]
    assert str(original) in result.problems[0].message
    assert result.entries["alpha"].question == "The original question?"
