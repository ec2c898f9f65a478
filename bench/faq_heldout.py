"""FAQ top-1 on the pack's own phrasings held out: does the ranker generalise to wordings it lacks?

Why: the tuning questions are few, and aliases written beside tuning misses lift tuning, not new
wording. The pack's phrasings (each entry's question and aliases, about 1,400 written by different
hands over time) are a larger, content-independent check. Five folds by a CRC-32 of the text: each
fold's phrasings are taken out of the pack (an entry whose question is held out is asked by its
first remaining alias instead), the real index is built from what is left (lexical fields,
embeddings, the classification head fitted on the rest), and every held-out phrasing is asked.
A phrasing whose entry has no phrasing left in its fold is not asked (nothing could be learnt).

Figures (share of held-out phrasings):

* ``similarity_top1``: the ranker's per-entry similarity (``hybrid.similarity``) puts its entry
  first over all entries; ``head_top1``: the head's probability alone does;
* ``search_top1``: the real search answers with its entry (``search_first``: ranks it first,
  answered or not); ``search_abstained``: the search gives no answer.

Each figure is given with the head off (HEAD_WEIGHT = HEAD_ORDER_WEIGHT = 0) and with the
constants in force (or those given with ``--set``). A question's vector is computed once and
reused by both settings (this is an accuracy figure, not a speed one). ``per_fold`` gives each
fold's right answers with the head off and on, to see whether a gain holds in every fold.
``--quick``: one fold.
Last line: one JSON object. Uses no tuning or blind question.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faq_tune import Uncached, constants  # noqa: E402
from bot.faq import hybrid  # noqa: E402
from bot.faq.library import FaqLibrary  # noqa: E402
from bot.faq.models import FaqEntry  # noqa: E402
from bot.faq.search import SearchIndex  # noqa: E402
from bot.semantic import Encoder  # noqa: E402

FOLDS = 5
OFF = {"HEAD_WEIGHT": 0.0, "HEAD_ORDER_WEIGHT": 0.0}


class OnceEncoder:
    """The real model, each text embedded once per run (both settings ask the same questions)."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._known: dict[str, np.ndarray] = {}
        self.name, self.dim, self.size_mb = encoder.name, encoder.dim, encoder.size_mb

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            for text, vector in zip(missing, self._encoder.encode(missing), strict=True):
                self._known[text] = vector
        return np.stack([self._known[t] for t in texts]) if texts else self._encoder.encode([])


def phrasings(entry: FaqEntry) -> list[str]:
    """An entry's phrasings as the ranker embeds them: question, then aliases, de-duplicated."""
    return list(dict.fromkeys([entry.question, *entry.meta.aliases]))


def fold_of(text: str) -> int:
    return zlib.crc32(text.encode()) % FOLDS


def without(entry: FaqEntry, fold: int) -> FaqEntry:
    """The entry without its phrasings of ``fold`` (unchanged if that would leave none)."""
    kept = [t for t in phrasings(entry) if fold_of(t) != fold]
    if not kept:
        return entry
    meta = entry.meta.model_copy(update={"question": kept[0], "aliases": kept[1:]})
    return entry.model_copy(update={"meta": meta})


def measure(index: SearchIndex, asked: list[tuple[str, str]], settings: dict[str, dict[str, float]]) -> dict:
    """Counts of each figure per named setting over the (phrasing, entry id) pairs asked."""
    assert index.semantic is not None
    counts: dict[str, dict[str, int]] = {name: dict.fromkeys(
        ("similarity_top1", "search_top1", "search_first", "search_abstained"), 0) for name in settings}
    head_right = 0
    searcher = Uncached(index)
    for text, expected in asked:
        gold = index.by_id[expected]
        best, second, summary, head = index.semantic.similarities(text, with_head=True)
        head_right += int(np.argmax(head)) == gold
        for name, setting in settings.items():
            with constants(setting):
                sim = hybrid.similarity(best, second, summary, head)  # elementwise over the entries
                result = searcher.search(text)
            c = counts[name]
            c["similarity_top1"] += int(np.argmax(sim)) == gold
            c["search_abstained"] += result.kind != "answer"
            c["search_top1"] += result.kind == "answer" and result.best is not None and result.best.entry_id == expected
            c["search_first"] += bool(result.ranked) and result.ranked[0].entry_id == expected
    return {"head_top1": head_right, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one fold instead of five")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a hybrid constant for the 'head' setting (default: the constants in force)")
    args = parser.parse_args()
    library = FaqLibrary(ROOT / "content")
    library.load()
    base = library.index
    if base.semantic is None:
        raise SystemExit("the sentence model could not be loaded, so the semantic ranker cannot be measured")
    encoder = OnceEncoder(base.semantic.encoder)
    overrides = {name: float(value) for name, value in (item.split("=", 1) for item in args.set)}
    unknown = [n for n in overrides if not hasattr(hybrid, n)]
    if unknown:
        raise SystemExit(f"unknown hybrid constants: {', '.join(unknown)}")
    head_setting = {**{n: float(getattr(hybrid, n)) for n in OFF}, **overrides}
    settings = {"no_head": {**overrides, **OFF}, "head": head_setting}
    totals: dict[str, object] = {}
    asked_total = 0
    per_fold: list[dict[str, int]] = []  # right answers per fold, head off and on: is a gain everywhere?
    for fold in range(1 if args.quick else FOLDS):
        reduced = [without(e, fold) for e in base.entries]
        asked = [(t, e.id) for e, r in zip(base.entries, reduced, strict=True) if r is not e
                 for t in phrasings(e) if fold_of(t) == fold]
        index = SearchIndex(reduced, vocabulary=library._vocabulary, encoder=encoder,
                            cache=ROOT / "content" / hybrid.CACHE_FILE, persist=False)
        found = measure(index, asked, settings)
        asked_total += len(asked)
        per_fold.append({"asked": len(asked), "search_top1_no_head": found["no_head"]["search_top1"],
                         "search_top1_head": found["head"]["search_top1"]})
        totals["head_top1"] = int(totals.get("head_top1", 0)) + found["head_top1"]  # type: ignore[arg-type]
        for name in settings:
            into = totals.setdefault(name, {})
            assert isinstance(into, dict)
            for key, value in found[name].items():
                into[key] = into.get(key, 0) + value
    share = max(1, asked_total)
    report: dict[str, object] = {"phrasings": asked_total, "folds": 1 if args.quick else FOLDS,
                                 "head_top1": round(int(totals["head_top1"]) / share, 3)}  # type: ignore[arg-type]
    for name in settings:
        for key, value in totals[name].items():  # type: ignore[union-attr]
            report[f"{key}_{name}"] = round(value / share, 3)
    report["per_fold"] = per_fold
    report["head_setting"] = head_setting
    print(json.dumps(report))


if __name__ == "__main__":
    main()
