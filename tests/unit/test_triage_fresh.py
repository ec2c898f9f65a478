"""The fresh triage probe (``bench/triage_fresh.py``) is split by family and shares no text with
the tuning or the blind split (compared by key, never shown)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from bench.triage_fresh import FRESH, HALVES, read_fresh

DATA = Path(__file__).resolve().parents[1] / "data"


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def test_each_family_lies_wholly_in_one_half() -> None:
    halves: dict[str, set[str]] = defaultdict(set)
    cases = read_fresh()
    for case in cases:
        halves[case["family"]].add(case["split"])
        assert case["level"] in {"crisis", "none"} and case["split"] in HALVES.values()
    assert len(cases) == 230 and all(len(s) == 1 for s in halves.values())
    assert {s for split in halves.values() for s in split} == set(HALVES.values())


def test_no_fresh_text_is_a_tuning_or_blind_text() -> None:
    fresh = {_key(c["text"]) for c in read_fresh(FRESH)}
    for name in ("triage_cases.jsonl", "triage_blind.jsonl"):
        other = {_key(json.loads(line)["text"]) for line in (DATA / name).read_text().splitlines() if line.strip()}
        assert not fresh & other, f"{len(fresh & other)} fresh text(s) also in {name}"
