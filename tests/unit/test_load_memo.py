"""Content already loaded in this process is reused only when its bytes are the same, and every
caller still gets objects of its own (result caches included)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.care.rule_loader import load_rules
from bot.contentfiles import LoadMemo, files_digest
from bot.faq.library import FaqLibrary
from tests.conftest import CONTENT


def test_a_changed_byte_is_a_new_digest_and_special_files_get_none(tmp_path: Path) -> None:
    one, two = tmp_path / "a.yaml", tmp_path / "b.yaml"
    one.write_text("x: 1\n")
    two.write_text("y: 2\n")
    first = files_digest([one, two], "rules", None)
    assert first is not None and first == files_digest([one, two], "rules", None)
    assert files_digest([one, two], "rules", "2026-12-01") != first  # what else the loader is given
    one.write_text("x: 2\n")  # same size, same moment: still another digest
    assert files_digest([one, two], "rules", None) != first
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "link.yaml").symlink_to(one)
    assert files_digest([one, tmp_path / "pipe.yaml"]) is None  # never opened, so never waits
    assert files_digest([tmp_path / "link.yaml"]) is None
    assert files_digest([tmp_path / "missing.yaml"]) is None


def test_the_memo_keeps_only_its_size_and_never_stores_without_a_key() -> None:
    memo = LoadMemo(size=2)
    memo.put(None, "never")
    assert memo.get(None) is None
    for key in "abc":
        memo.put(key, key.upper())
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (None, "B", "C")


def test_rules_loaded_again_are_a_new_triager_until_a_file_changes(tmp_path: Path) -> None:
    rules = tmp_path / "safety"
    shutil.copytree(CONTENT / "safety", rules, ignore=shutil.ignore_patterns("exemplars"))
    first, problems = load_rules(rules)
    assert first is not None and not [p for p in problems if p.severity.name == "ERROR"]
    assert first.classify("i want to end my life").level.value == "crisis"
    again, _ = load_rules(rules)
    assert again is not None and again is not first
    assert again._cache == {} and again.rules[0] is first.rules[0]  # shared compiled rules, own cache
    crisis = rules / "crisis.yaml"
    crisis.write_text(crisis.read_text() + "\n  - {broken\n")
    _, problems = load_rules(rules)
    assert any(p.file == str(crisis) for p in problems), "a changed file must be read again"


@pytest.mark.slow
def test_a_library_loaded_twice_shares_the_build_but_not_the_answers() -> None:
    first, second = FaqLibrary(CONTENT, semantic=False), FaqLibrary(CONTENT, semantic=False)
    first.load()
    second.load()
    a, b = first.index, second.index
    assert a is not b and a.entries is b.entries  # built once, served twice
    a.search("what is pacing")
    assert a.search.cache_info().currsize == 1 and b.search.cache_info().currsize == 0
    assert a.search("what is pacing") == b.search("what is pacing")
