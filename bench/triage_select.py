"""Choose the semantic layer's settings by the exemplar bank's held-out families, within the
tuning-train limits and no worse than the settings in force.

Why: on tuning-train the nearest exemplars of most cases are near-copies (many exemplars were
written beside tuning cases), so train scores about 1.0 for almost any setting and
``bench/triage_tune.py`` cannot tell a setting that generalises from one that fits. The bank has a
harder test inside it: hold out one fifth of its *families* at a time (a family's paraphrases go
out together), and score the held-out texts against the rest of the bank with heads fitted on the
rest (:func:`bench.triage_head.held_out_scores`). That is new wording for the layer, as a
member's is. No blind case is read here.

How the choice is made, over K, head weight, margins and sentence extra (crisis tolerance 0):

* allowed: on tuning-train, false alarms at or under ``--max-false-alarm``, escalation to crisis
  at or under ``--max-escalation`` and every level's recall at least ``--min-train-recall``
  (real message shapes: several sentences, the rules as the floor);
* and no worse than the settings in force on any of the four held-out figures (crisis, urgent
  and clinician recall, false alarms on benign texts) and on any of the four tuning-dev figures;
* best: the highest held-out crisis recall (a missed crisis costs most), then the fewest
  held-out false alarms.

The held-out decision is the semantic layer's on one text (most exemplars are one sentence), as
:meth:`bot.care.semantic.SemanticLayer.decide` makes it. Last line: one JSON object with the
setting chosen (or the one in force when nothing beats it) and its held-out, train and dev
figures beside those of the settings in force.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.triage_head import LEVELS, held_out_margins, held_out_odds, shipped_bank  # noqa: E402
from bench.triage_tune import Features, Setting, decide_units, features, figures, margins, read_cases  # noqa: E402

KS = (2, 3, 4, 5)
HEAD_WEIGHTS = (0.001, 0.002, 0.004, 0.006, 0.008)
EXTRAS = (0.0, 0.005, 0.01, 0.02)
FIGURES = ("crisis_recall", "urgent_recall", "clinician_recall", "false_alarm")


class Bank:
    """The bank's held-out scores: per K, each text's margins and head log-odds with its own
    family's fold left out of both, and each text's level."""

    def __init__(self, vectors: np.ndarray, levels: np.ndarray, families: np.ndarray, ks: Sequence[int]) -> None:
        self.levels = levels
        odds = held_out_odds(vectors, levels, families)
        self.scores = {k: (held_out_margins(vectors, levels, families, k), odds) for k in ks}


def bank_figures(bank: Bank, k: int, weight: float, tc, tu, tl) -> dict[str, np.ndarray]:
    """Held-out recall per level and false alarms for thresholds ``tc``, ``tu``, ``tl`` (scalars
    or columns of a grid, giving a leading grid axis)."""
    margin, odds = bank.scores[k]
    s = {lv: margin[lv] + weight * odds[lv] for lv in LEVELS}
    crisis = (s["crisis"] >= tc) & (s["crisis"] >= np.maximum(s["urgent"], s["clinician"]))
    urgent = crisis | (s["urgent"] >= tu)
    flagged = urgent | (s["clinician"] >= tl)
    lv = bank.levels
    return {"crisis_recall": crisis[..., lv == "crisis"].mean(-1),
            "urgent_recall": urgent[..., lv == "urgent"].mean(-1),
            "clinician_recall": flagged[..., lv == "clinician"].mean(-1),
            "false_alarm": flagged[..., lv == "none"].mean(-1)}


def no_worse(got: dict[str, np.ndarray], ref: dict[str, float]) -> np.ndarray:
    """Where every recall is at least ``ref``'s and false alarms at most ``ref``'s (to 3 places)."""
    ok = np.round(got["false_alarm"], 3) <= round(ref["false_alarm"], 3)
    for name in FIGURES[:3]:
        ok = ok & (np.round(got[name], 3) >= round(ref[name], 3))
    return ok


def _one(fig: dict[str, np.ndarray], i: int | None = None) -> dict[str, float]:
    return {name: round(float(v if i is None else v[i]), 3) for name, v in fig.items()}


def select(f: Features, bank: Bank, now: Setting, max_false_alarm: float, max_escalation: float,
           min_train_recall: float, ks: Sequence[int] = KS, head_weights: Sequence[float] = HEAD_WEIGHTS,
           extras: Sequence[float] = EXTRAS) -> tuple[Setting, dict[str, dict[str, float]]]:
    """The best allowed setting (see the module docstring), or ``now`` when none beats it, with
    its held-out, train and dev figures."""
    train, dev = f.part == "train", f.part == "dev"
    gc = np.round(np.arange(-0.02, 0.0201, 0.001), 4)
    gu = np.round(np.arange(0.0, 0.0401, 0.002), 4)
    tc, tu, tl = (a.reshape(-1, 1) for a in np.meshgrid(gc, gu, gu, indexing="ij"))
    ref_bank = _one(bank_figures(bank, now.k, now.head_weight, now.crisis, now.urgent, now.clinician))
    ref_final = decide_units(f, margins(f, now.k, now.head_weight), now.crisis, now.urgent, now.clinician,
                             now.sentence_extra, now.tolerance)
    ref_dev = _one(figures(ref_final[dev], f.gold[dev]))
    best: tuple[tuple[float, float], Setting, dict[str, dict[str, float]]] | None = None
    for k in ks:
        for weight in head_weights:
            held = bank_figures(bank, k, weight, tc, tu, tl)
            held_ok = no_worse(held, ref_bank)
            if not held_ok.any():
                continue
            m = margins(f, k, weight)
            for extra in extras:
                final = decide_units(f, m, tc, tu, tl, extra)
                tr = figures(final[:, train], f.gold[train])
                dv = figures(final[:, dev], f.gold[dev])
                ok = (held_ok & no_worse(dv, ref_dev) & (tr["false_alarm"] <= max_false_alarm)
                      & (tr["escalated_to_crisis"] <= max_escalation))
                for name in FIGURES[:3]:
                    ok = ok & (tr[name] >= min_train_recall)
                if not ok.any():
                    continue
                value = np.where(ok, held["crisis_recall"] - 0.01 * held["false_alarm"], -9.0)
                i = int(np.argmax(value))
                key = (round(float(held["crisis_recall"][i]), 6), -round(float(held["false_alarm"][i]), 6))
                if best is None or key > best[0]:
                    setting = Setting(k, float(tc[i, 0]), float(tu[i, 0]), float(tl[i, 0]), extra, 0.0, weight)
                    best = (key, setting, {"held_out": _one(held, i), "train": _one(tr, i), "dev": _one(dv, i)})
    if best is None:
        tr_now = _one(figures(ref_final[train], f.gold[train]))
        return now, {"held_out": ref_bank, "train": tr_now, "dev": ref_dev}
    return best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-alarm", type=float, default=0.04)
    parser.add_argument("--max-escalation", type=float, default=0.05)
    parser.add_argument("--min-train-recall", type=float, default=0.98)
    parser.add_argument("--quick", action="store_true", help="K 3 and 4, two head weights")
    args = parser.parse_args()
    triage, vectors, levels, families = shipped_bank()
    now = Setting.in_force(triage)
    ks, weights = ((3, 4), (now.head_weight, 0.002)) if args.quick else (KS, HEAD_WEIGHTS)
    bank = Bank(vectors, levels, families, sorted({*ks, now.k}))
    f = features(triage, read_cases())
    chosen, found = select(f, bank, now, args.max_false_alarm, args.max_escalation, args.min_train_recall,
                           ks, weights)
    ref_bank = _one(bank_figures(bank, now.k, now.head_weight, now.crisis, now.urgent, now.clinician))
    print(f"in force ({now}) held-out: {json.dumps(ref_bank)}")
    print(f"chosen ({chosen}): {json.dumps(found)}")
    print(json.dumps({"k": chosen.k, "crisis": chosen.crisis, "urgent": chosen.urgent, "clinician": chosen.clinician,
                      "sentence_extra": chosen.sentence_extra, "head_weight": chosen.head_weight,
                      "changed": chosen != now, "in_force_held_out": ref_bank,
                      **{f"{part}_{k}": v for part, fig in found.items() for k, v in fig.items()}}))


if __name__ == "__main__":
    main()
