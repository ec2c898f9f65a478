"""How well the semantic layer's heads generalise: the exemplar bank, whole families held out.

Why not only on the tuning cases, where HEAD_WEIGHT is chosen with the thresholds: many exemplars
were written beside tuning cases, so on tuning-train the nearest exemplars are near-copies and the
margin alone already scores about 1.0; the tuning split cannot tell a classifier that generalises
from one that fits. New member wording is what the head is for, and the bank has that test inside
it: hold out one fifth of the exemplar *families* (a family's paraphrases go out together, by a
hash of its id), fit the heads and rank by nearest exemplars on the rest, and score the held-out
texts. No tuning or blind case is read here.

For each weight: per level, the area under the curve of that level's held-out texts against the
held-out benign texts, and the recall at the score that lets 5 % of held-out benign texts through;
and the share of held-out urgent and clinician texts whose crisis margin beats their own level's
(they would get crisis lines instead of the advice asked for). ``best_held_out`` is the weight
with the highest crisis recall at 5 % benign (a missed crisis costs most) whose share stays within
0.01 of the margin alone's: a guide for the next choice, not the weight in force. Last line: one
JSON object, ``{"best_held_out", "in_force", "texts", "weights": {w: {...}}}``. ``--quick``:
three weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage  # noqa: E402
from bot.care.engine import SafetyTriage  # noqa: E402
from bot.care.head import fit_logistic  # noqa: E402
from bot.care.semantic import HEAD_WEIGHT, K  # noqa: E402

FOLDS = 5
LEVELS = ("crisis", "urgent", "clinician")
WEIGHTS = (0.0, 0.001, 0.002, 0.004, 0.006, 0.008, 0.012)
QUICK_WEIGHTS = (0.0, HEAD_WEIGHT, 0.004)


def held_out_scores(vectors: np.ndarray, levels: np.ndarray, families: np.ndarray,
                    k: int = K) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each text's margin (nearest ``k`` of a level minus nearest ``k`` benign) and head log-odds
    per flagged level, computed with its own family's fold held out of both."""
    return held_out_margins(vectors, levels, families, k), held_out_odds(vectors, levels, families)


def _folds(families: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) masks of the family folds that hold any text."""
    fold = np.array([zlib.crc32(f.encode()) % FOLDS for f in families])
    return [(fold != f, fold == f) for f in range(FOLDS) if (fold == f).any()]


def held_out_margins(vectors: np.ndarray, levels: np.ndarray, families: np.ndarray, k: int = K) -> dict[str, np.ndarray]:
    """Each text's margin per flagged level at ``k`` nearest exemplars, its family's fold held out."""
    margin = {lv: np.zeros(len(vectors)) for lv in LEVELS}
    for train, test in _folds(families):
        sims = vectors[test] @ vectors[train].T
        top = {lv: -np.sort(-sims[:, levels[train] == lv], axis=1)[:, :k].mean(1) for lv in (*LEVELS, "none")}
        for lv in LEVELS:
            margin[lv][test] = top[lv] - top["none"]
    return margin


def held_out_odds(vectors: np.ndarray, levels: np.ndarray, families: np.ndarray) -> dict[str, np.ndarray]:
    """Each text's head log-odds per flagged level, from heads fitted without its family's fold
    (they do not depend on K, so a search over K fits them once)."""
    odds = {lv: np.zeros(len(vectors)) for lv in LEVELS}
    for train, test in _folds(families):
        for lv in LEVELS:
            keep = train & ((levels == lv) | (levels == "none"))
            w = fit_logistic(vectors[keep], (levels[keep] == lv).astype(np.float64))
            odds[lv][test] = vectors[test] @ w[:-1] + w[-1]
    return odds


def figures(margin: dict[str, np.ndarray], odds: dict[str, np.ndarray], levels: np.ndarray,
            weight: float) -> dict[str, float]:
    """AUC and recall at 5 % benign per level, and the advice-to-crisis share, at ``weight``."""
    score = {lv: margin[lv] + weight * odds[lv] for lv in LEVELS}
    benign = levels == "none"
    out: dict[str, float] = {}
    for lv in LEVELS:
        pos, neg = score[lv][levels == lv], score[lv][benign]
        out[f"{lv}_auc"] = round(float((pos[:, None] > neg[None, :]).mean()), 4)
        out[f"{lv}_recall_at_5"] = round(float((pos >= np.quantile(neg, 0.95)).mean()), 4)
    advice = (levels == "urgent") | (levels == "clinician")
    own = np.where(levels == "urgent", score["urgent"], score["clinician"])
    out["advice_nearer_crisis"] = round(float((score["crisis"] > own)[advice].mean()), 4)
    return out


def shipped_bank() -> tuple[SafetyTriage, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped safety triage and its bank: vectors (float64), each text's level and family."""
    triage = load_layered_triage()
    layer = triage.semantic
    return (triage, layer.bank_vectors().astype(np.float64), np.array([e.level.value for e in layer.exemplars]),
            np.array([e.family for e in layer.exemplars]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three weights")
    args = parser.parse_args()
    _, vectors, levels, families = shipped_bank()
    margin, odds = held_out_scores(vectors, levels, families)
    found = {w: figures(margin, odds, levels, w) for w in (QUICK_WEIGHTS if args.quick else WEIGHTS)}
    for w, fig in found.items():
        print(f"head weight {w}: {json.dumps(fig)}")
    base = found[0.0]["advice_nearer_crisis"]
    allowed = [w for w, fig in found.items() if fig["advice_nearer_crisis"] <= base + 0.01]
    best = max(allowed, key=lambda w: (found[w]["crisis_recall_at_5"], -w))
    print(json.dumps({"best_held_out": best, "in_force": HEAD_WEIGHT, "texts": len(levels),
                      "weights": {str(w): fig for w, fig in found.items()}}))


if __name__ == "__main__":
    main()
