"""FAQ answer quality on the tuning set and on the blind set, as aggregate figures only.

The tuning set (``tests/data/faq_queries.jsonl``) is what aliases and rules are tuned on. The blind
set (``tests/data/faq_blind.jsonl``) was written independently, split by paraphrase family; it is
only ever scored here, and only aggregate numbers are printed, never its questions or misses.

Figures: ``top1`` (in-scope questions answered with the expected entry), ``top3`` (expected entry
among the first three candidates), ``abstention`` (out-of-scope questions left unanswered) and
``false_abstention`` (in-scope questions left unanswered). :func:`typing_score` scores the
autocomplete list prefix by prefix, as a member types a question.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.faq.search import SearchIndex

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "data" / "faq_queries.jsonl"
FRESH = ROOT / "tests" / "data" / "faq_queries_fresh.jsonl"
BLIND = ROOT / "tests" / "data" / "faq_blind.jsonl"


class Searcher(Protocol):
    def search(self, text: str) -> object: ...


def load_cases(path: Path) -> list[tuple[str, str | None]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(r["q"]), r.get("expected")) for r in rows]


def score(searcher: Searcher, cases: list[tuple[str, str | None]]) -> dict[str, float | int]:
    """Aggregate accuracy of ``searcher`` over ``cases``; nothing about single cases is returned."""
    top1 = top3 = answered_in = abstained_out = 0
    in_scope = [c for c in cases if c[1]]
    out_scope = [c for c in cases if not c[1]]
    for question, expected in in_scope:
        result = searcher.search(question)
        ranked = [h.entry_id for h in result.ranked]  # type: ignore[attr-defined]
        if result.kind == "answer":  # type: ignore[attr-defined]
            answered_in += 1
            if result.best.entry_id == expected:  # type: ignore[attr-defined]
                top1 += 1
        if expected in ranked[:3]:
            top3 += 1
    for question, _ in out_scope:
        if searcher.search(question).kind == "no_match":  # type: ignore[attr-defined]
            abstained_out += 1
    n_in, n_out = max(1, len(in_scope)), max(1, len(out_scope))
    return {
        "top1": round(top1 / n_in, 3), "top3": round(top3 / n_in, 3),
        "abstention": round(abstained_out / n_out, 3), "false_abstention": round((n_in - answered_in) / n_in, 3),
        "in_scope": len(in_scope), "out_of_scope": len(out_scope),
    }


class Completer(Protocol):
    def autocomplete(self, text: str) -> list[object]: ...


TYPING_FROM = 3  # the first prefix scored has this many characters


def typing_score(completer: Completer, cases: list[tuple[str, str | None]]) -> dict[str, float | int]:
    """Autocomplete while a member types: for every in-scope question, each of its prefixes from
    ``TYPING_FROM`` characters (a letter at a time, as Discord asks), where the expected entry
    stands in the list. ``top1`` / ``top5`` / ``listed``: share of prefixes with it first, in the
    first five, anywhere in the list (at most 25); ``mrr``: mean reciprocal rank. Aggregates only."""
    prefixes = top1 = top5 = listed = 0
    reciprocal = 0.0
    for question, expected in cases:
        if not expected:
            continue
        for cut in range(TYPING_FROM, len(question) + 1):
            ids = [e.id for e in completer.autocomplete(question[:cut])]  # type: ignore[attr-defined]
            rank = ids.index(expected) + 1 if expected in ids else 0
            prefixes += 1
            top1 += rank == 1
            top5 += 0 < rank <= 5
            listed += rank > 0
            reciprocal += 1 / rank if rank else 0.0
    n = max(prefixes, 1)
    return {"top1": round(top1 / n, 3), "top5": round(top5 / n, 3), "listed": round(listed / n, 3),
            "mrr": round(reciprocal / n, 3), "prefixes": prefixes}


def typing_sets(completer: Completer) -> dict[str, dict[str, float | int]]:
    out = {"tuning": typing_score(completer, load_cases(TUNING) + load_cases(FRESH))}
    if BLIND.exists():
        out["blind"] = typing_score(completer, load_cases(BLIND))
    return out


def both_sets(searcher: Searcher) -> dict[str, dict[str, float | int]]:
    out = {"tuning": score(searcher, load_cases(TUNING))}
    if BLIND.exists():
        out["blind"] = score(searcher, load_cases(BLIND))
    return out


def load_indexes() -> tuple[SearchIndex, SearchIndex]:
    """The real pack's lexical-only index and its hybrid index; exits when the sentence model
    cannot load (a hybrid figure without the model would be the lexical one under another name)."""
    from bot.faq.library import FaqLibrary

    lexical = FaqLibrary(ROOT / "content", semantic=False)
    lexical.load()
    hybrid = FaqLibrary(ROOT / "content")
    hybrid.load()
    if hybrid.index.semantic is None:
        raise SystemExit("the sentence model could not be loaded, so the hybrid cannot be measured")
    return lexical.index, hybrid.index
