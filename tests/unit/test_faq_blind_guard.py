"""The FAQ blind set stays blind: no blind question appears, word for word (case, spacing and
punctuation aside), as an alias, in the vocabulary, or among the tuning questions. An entry's own
question may: the blind set's writer saw each entry's question, so "what is fibromyalgia" can be
both. Only a count leaves this test, never a question."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PACK = ROOT / "content" / "fibromyalgia"


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _questions(path: Path) -> set[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {_key(r["q"]) for r in rows}


def _written() -> set[str]:
    written: set[str] = set()
    for path in sorted(PACK.glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        written.update(_key(a) for a in front.get("aliases") or [])
    vocabulary = yaml.safe_load((PACK / "vocabulary.yaml").read_text(encoding="utf-8")) or {}
    for word, variants in (vocabulary.get("words", vocabulary) if isinstance(vocabulary, dict) else {}).items():
        written.add(_key(str(word)))
        written.update(_key(str(v)) for v in variants or [])
    return written | _questions(DATA / "faq_queries.jsonl") | _questions(DATA / "faq_queries_fresh.jsonl")


def test_no_blind_question_is_an_alias_or_a_tuning_question() -> None:
    blind = _questions(DATA / "faq_blind.jsonl")
    written = _written()
    assert len(blind) >= 300 and len(written) >= 1000
    leaked = len(blind & written)
    assert leaked == 0, f"{leaked} blind question(s) appear verbatim as aliases or tuning questions"


def test_the_guard_ignores_case_spacing_and_punctuation_only() -> None:
    assert _key("Does Pacing help, with  FIBRO?") == _key("does pacing help with fibro")
    assert _key("does pacing help with fibro") != _key("does pacing help fibro")
