"""AutoMod rules derived from the reviewed crisis rules: Discord's limits, priority, coverage.

Coverage is measured with Discord's documented keyword semantics (an independent matcher: the
fake Discord's), over the rule files' own ``examples`` (the tuning set) and ``not_examples``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from bot.watch.derive import (
    ALLOW_MAX,
    KEYWORD_LEN_MAX,
    KEYWORDS_MAX,
    REGEX_LEN_MAX,
    REGEXES_MAX,
    Plan,
    derive,
    read_rules,
)
from tests.conftest import CONTENT
from tests.e2e.fake_automod import keyword_regex
from tests.unit.test_triage import LAYERED_PREFIXES

SAFETY = CONTENT / "safety"


@cache
def full_plan() -> Plan:
    return derive(read_rules(SAFETY), rule_slots=4)


@cache
def compiled(keyword: str) -> re.Pattern[str]:
    return keyword_regex(keyword)


def fires(plan: Plan, text: str) -> str | None:
    """The crisis rule behind the first AutoMod match, as Discord would report it."""
    folded = text.casefold()
    for spec in plan.rules:
        allowed = [m.span() for a in spec.allow_list for m in compiled(a).finditer(folded)]
        tests = [(k, compiled(k), folded) for k in spec.keywords]
        tests += [(r, re.compile(r), text) for r in spec.regexes]
        for label, rx, source in tests:
            for m in rx.finditer(source):
                if not any(lo <= m.start() and m.end() <= hi for lo, hi in allowed):
                    return plan.rule_for(label)
    return None


def crisis_examples() -> tuple[list[str], list[str]]:
    examples, not_examples = [], []
    data = yaml.safe_load((SAFETY / "crisis.yaml").read_text(encoding="utf-8"))
    for rule in data["rules"]:
        examples += rule.get("examples", [])
        not_examples += rule.get("not_examples", [])
    return examples, not_examples


@pytest.mark.parametrize("slots", [1, 2, 4, 6])
def test_every_plan_keeps_discords_limits(slots: int) -> None:
    plan = derive(read_rules(SAFETY), rule_slots=slots)
    assert 1 <= len(plan.rules) <= slots
    for spec in plan.rules:
        assert len(spec.keywords) <= KEYWORDS_MAX and all(0 < len(k) <= KEYWORD_LEN_MAX for k in spec.keywords)
        assert len(spec.regexes) <= REGEXES_MAX and all(len(r) <= REGEX_LEN_MAX for r in spec.regexes)
        assert len(spec.allow_list) <= ALLOW_MAX and all(len(a) <= KEYWORD_LEN_MAX for a in spec.allow_list)
        assert all("*" not in k[1:-1] for k in spec.keywords)  # wildcards only at the ends
        for rx in spec.regexes:
            re.compile(rx)
            assert not re.search(r"\(\?<?[=!]|\\[1-9]", rx)  # no look-around or back-references (Rust)
        assert spec.name.startswith("Community care")  # neutral in the audit log


def test_fewer_slots_leave_out_the_lowest_priority_first() -> None:
    rules = read_rules(SAFETY)
    small, full = derive(rules, rule_slots=1), derive(rules, rule_slots=4)
    assert len(small.left_out) > len(full.left_out)
    placed = set(small.sources.values())
    assert {"ending-life", "suicide-words", "overdose", "self-harm"} <= placed
    assert any(line.startswith("crisis-line-question:") for line in small.left_out)
    assert not any(line.startswith("ending-life:") for line in small.left_out)
    assert derive(rules, rule_slots=0).rules == []


def test_coverage_of_the_tuning_examples() -> None:
    plan = full_plan()
    examples, not_examples = crisis_examples()
    hit = [e for e in examples if fires(plan, e)]
    false = [e for e in not_examples if fires(plan, e)]
    print(f"AutoMod coverage: {len(hit)}/{len(examples)} examples, {len(false)}/{len(not_examples)} not_examples")
    # Leetspeak, look-alike letters and misspellings are the triage's normaliser's job (message
    # mode); AutoMod sees raw text, so a share of the examples is out of its reach by design.
    assert len(hit) / len(examples) >= 0.7
    assert len(false) / max(1, len(not_examples)) <= 0.35


def test_matched_keywords_map_back_to_their_rule() -> None:
    plan = full_plan()
    assert fires(plan, "i want to kill myself") == "ending-life"
    assert fires(plan, "I don't want to be here anymore") == "wish-to-die"  # apostrophe spelling
    assert fires(plan, "what is a lethal dose of pregabalin") == "lethality"
    assert fires(plan, "kms") == "ending-life"  # slang from the lexicon
    assert fires(plan, "I nearly killed myself laughing") is None  # an idiom, in the allow list
    assert plan.rule_for("no such phrase") is None and plan.rule_for(None) is None


def test_new_fields_rules_and_unreadable_patterns_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "crisis.yaml").write_text(yaml.safe_dump({
        "reviewed_by": "x", "reviewed_on": "2026-01-01", "review_due": "2026-06-01", "layer_hints": {"a": 1},
        "rules": [
            {"id": "new-rule", "level": "crisis", "detail": "d", "patterns": ["feel (so|) lost", "broken ((nested)"],
             "semantic": ["exemplar"], "examples": ["i feel lost"]},
            {"id": "red-flag", "level": "urgent", "topic": "emergency", "detail": "d", "patterns": ["numb legs"],
             "examples": ["numb legs"]},
            "not a mapping",
        ],
    }), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("rules: [", encoding="utf-8")
    plan = derive(read_rules(tmp_path), rule_slots=1)
    assert set(plan.sources.values()) == {"new-rule"}  # crisis only; the urgent rule is not watched
    assert {"feel so lost*", "feel lost*"} <= set(plan.rules[0].keywords)
    assert len(plan.left_out) == 1 and "broken ((nested)" in plan.left_out[0]


def test_held_out_triage_cases() -> None:
    """The triage's evaluation set was not used to write the derivation: a held-out check."""
    rows = [json.loads(line) for line in (CONTENT.parent / "tests" / "data" / "triage_cases.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    # The gate was set on the cases written with the rules; families named "t-...", "t2-..." and
    # later rounds (LAYERED_PREFIXES) were added as rewordings for the layered triage (rules +
    # semantic layer), which AutoMod keywords do not attempt: message mode runs the full triage.
    rows = [r for r in rows if not r.get("family", "").startswith(LAYERED_PREFIXES)]
    plan = full_plan()
    crisis = [r["text"] for r in rows if r["level"] == "crisis"]
    other = [r["text"] for r in rows if r["level"] != "crisis"]
    caught = sum(1 for t in crisis if fires(plan, t))
    false = sum(1 for t in other if fires(plan, t))
    print(f"AutoMod on held-out cases: {caught}/{len(crisis)} crisis caught, {false}/{len(other)} others fired")
    assert caught / len(crisis) >= 0.8
    assert false / len(other) <= 0.05
