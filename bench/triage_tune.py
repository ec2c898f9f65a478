"""Choose the semantic layer's K and margins on tuning-train; check they generalise on tuning-dev.

Why: thresholds chosen on the same cases they are reported on measure fit, not safety. The tuning
cases (tests/data/triage_cases.jsonl) are split by paraphrase family, deterministically (a hash of
the family id, see :func:`bench.common.tuning_part`), into a train part that picks the settings and
a dev part that is only looked at. The blind split is never read here.

Objective, in order: train false alarms on benign text at or under ``--max-false-alarm``, and
the share of train urgent and clinician cases answered as crisis ("escalation") at or under
``--max-escalation``; then the most ``3 x crisis + 2 x urgent + 1 x clinician`` recall (a missed
crisis costs most); then the fewest false alarms and escalations; then the highest margins (the
widest gap from benign text that still catches as much) and the smallest crisis tolerance.

Why cap escalation: a crisis tolerance (crisis may fire a little below the closest urgent or
clinician margin) only ever adds crisis answers, so recall alone would always pick the widest one.
But a dose question or a red flag answered with crisis lines is a false alarm of its own: it
tells someone asking about amitriptyline that we think they are suicidal, and it hides the
pharmacist or same-day advice they needed (the crisis reply replaces the normal answer). Recall
counts it as caught; the cap keeps it rare. Every text is embedded once (:func:`features`); the grid is evaluated with
numpy by :func:`decide_units`, the same decision as :meth:`bot.care.semantic.SemanticLayer.decide`
and :func:`bot.care.engine.combine`; :func:`replay` applies one setting, and
``tests/unit/test_triage_tune.py`` checks that it gives every tuning case the level the real
triage gives it (else the settings chosen here would be tuned for some other triage).
Last line: one JSON object with the chosen settings and the train and dev figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage, tuning_part  # noqa: E402
from bot.care.engine import MIN_WORDS, SafetyTriage, clauses, sentences  # noqa: E402
from bot.care.semantic import CLAUSE_EXTRA, HEAD_WEIGHT, whole_vector  # noqa: E402
from bot.care.triage import Level  # noqa: E402

CASES = ROOT / "tests" / "data" / "triage_cases.jsonl"
_RANK = {"crisis": 0, "urgent": 1, "clinician": 2, "none": 3}
_LEVELS = (Level.CRISIS, Level.URGENT, Level.CLINICIAN, Level.NONE)
_TOP = 8  # nearest exemplars kept per level: the largest K the grid tries


@dataclass(frozen=True, slots=True)
class Setting:
    """One choice of the semantic layer's constants (what the grid searches over)."""

    k: int
    crisis: float
    urgent: float
    clinician: float
    sentence_extra: float
    tolerance: float = 0.0
    head_weight: float = HEAD_WEIGHT

    @classmethod
    def in_force(cls, triage: SafetyTriage) -> Setting:
        """The settings the bot runs with now."""
        from bot.care import semantic

        layer = triage.semantic
        assert layer is not None
        t = layer.thresholds
        return cls(layer.k, t[Level.CRISIS], t[Level.URGENT], t[Level.CLINICIAN], semantic.SENTENCE_EXTRA,
                   layer.tolerance, layer.head_weight)


@dataclass(frozen=True, slots=True)
class Features:
    """Everything the decision needs about the cases, computed once.

    Units are every case's whole message, then each of its sentences when it has several (as the
    bot screens a longer message), then the clauses of its long sentences (:func:`clauses`);
    ``starts`` are the first unit of each case, ``sentence`` marks sentence units and ``clause``
    clause units (held to ``CLAUSE_EXTRA`` more margin, and counted only for a crisis).
    ``tops[level]`` holds each unit's ``_TOP`` highest cosine similarities to that level's exemplars, best first; ``odds`` each unit's head log-odds (crisis, urgent, clinician)."""

    tops: dict[Level, np.ndarray]
    odds: np.ndarray
    starts: np.ndarray
    sentence: np.ndarray
    clause: np.ndarray
    rule_rank: np.ndarray
    eligible: np.ndarray
    gold: np.ndarray
    part: np.ndarray


def read_cases(path: Path = CASES) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def features(triage: SafetyTriage, cases: Sequence[dict[str, str]]) -> Features:
    """Embed every unit of ``cases`` once with the triage's own encoder and keep what the grid needs."""
    layer = triage.semantic
    assert layer is not None
    rule_rank = np.array([_RANK[triage.rules.classify(c["text"]).level.value] for c in cases], dtype=np.int8)
    words = np.array([len(triage.rules.normalize(c["text"]).split()) >= MIN_WORDS for c in cases])
    # As the bot embeds a message: its text alone, or its sentences when it has several (then the
    # whole-message vector is made from theirs by :func:`bot.care.semantic.whole_vector`).
    split = [sentences(c["text"], triage.rules.normalize) for c in cases]
    pieces = [clauses(parts or [c["text"]], triage.rules.normalize) for c, parts in zip(cases, split, strict=True)]
    embedded = [text for c, parts, extra in zip(cases, split, pieces, strict=True) for text in (*(parts or [c["text"]]), *extra)]
    found = iter(layer.encoder.encode(embedded))
    rows, owner, sentence, clause = [], [], [], []
    for i, (parts, extra) in enumerate(zip(split, pieces, strict=True)):
        if parts:
            each = [next(found) for _ in parts]
            rows.extend([whole_vector(np.stack(each), parts), *each])
        else:
            rows.append(next(found))
        rows.extend(next(found) for _ in extra)
        units = len(parts) + 1 if parts else 1
        owner.extend([i] * (units + len(extra)))
        sentence.extend([False] + [True] * (units - 1) + [False] * len(extra))
        clause.extend([False] * units + [True] * len(extra))
    owner_a = np.array(owner)
    vectors = np.stack(rows)
    tops = {lv: -np.sort(-(vectors @ layer._groups[lv][0].T), axis=1)[:, :_TOP] for lv in _LEVELS}
    return Features(tops=tops, odds=layer.head_log_odds(vectors), starts=np.flatnonzero(np.r_[True, owner_a[1:] != owner_a[:-1]]),
                    sentence=np.array(sentence), clause=np.array(clause, dtype=bool), rule_rank=rule_rank, eligible=words & (rule_rank > 0),
                    gold=np.array([_RANK[c["level"]] for c in cases]),
                    part=np.array([tuning_part(c["family"]) for c in cases]))


def margins(f: Features, k: int, head_weight: float = HEAD_WEIGHT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crisis, urgent and clinician margins of every unit at ``k`` nearest exemplars, plus the
    heads' log-odds times ``head_weight``."""
    score = {lv: t[:, : min(k, t.shape[1])].mean(1) for lv, t in f.tops.items()}
    return tuple(score[lv] - score[Level.NONE] + head_weight * f.odds[:, i]  # type: ignore[return-value]
                 for i, lv in enumerate(_LEVELS[:3]))


def decide_units(f: Features, m: tuple[np.ndarray, np.ndarray, np.ndarray], tc, tu, tl, extra: float,
                 tolerance: float = 0.0) -> np.ndarray:
    """Final rank per case (0 crisis .. 3 none) for thresholds ``tc``, ``tu``, ``tl`` (scalars or
    columns of a grid, giving a leading grid axis): the semantic layer's decision per unit, the most
    urgent unit of each case, joined with the rules as :func:`bot.care.engine.combine` does."""
    mc, mu, ml = m
    raise_by = np.where(f.sentence, extra, 0.0) + np.where(f.clause, CLAUSE_EXTRA, 0.0)
    crisis = (mc >= tc + raise_by) & (mc >= np.maximum(mu, ml) - tolerance)
    urgent = ~crisis & ~f.clause & (mu >= tu + raise_by)  # a clause counts only for a crisis
    clin = ~crisis & ~urgent & ~f.clause & (ml >= tl + raise_by)
    r = np.arange(4, dtype=np.int8)  # ranks as int8: a full grid holds tens of millions of them
    units = np.where(crisis, r[0], np.where(urgent, r[1], np.where(clin, r[2], r[3])))
    sem = np.minimum.reduceat(np.where(f.clause, r[3], units), f.starts, axis=-1)
    clause_crisis = np.minimum.reduceat(np.where(f.clause, units, r[3]), f.starts, axis=-1) == 0
    final = np.where(f.eligible, np.minimum(f.rule_rank, sem), f.rule_rank)
    # a clause's crisis never overrides advice the rules or the message found (SafetyTriage._meant)
    return np.where(f.eligible & clause_crisis & (final == 3), r[0], final)


def replay(f: Features, s: Setting) -> np.ndarray:
    """Final rank per case under one setting (what the real triage would answer)."""
    return decide_units(f, margins(f, s.k, s.head_weight), s.crisis, s.urgent, s.clinician, s.sentence_extra, s.tolerance)


def figures(final: np.ndarray, gold: np.ndarray) -> dict[str, np.ndarray]:
    """Recall per level, false alarms, and escalation (urgent and clinician cases answered as
    crisis); ``final`` may carry a leading grid axis."""
    out = {}
    for name, rank in _RANK.items():
        mask = gold == rank
        n = max(int(mask.sum()), 1)
        if name == "none":
            out["false_alarm"] = (final[..., mask] < 3).sum(-1) / n
        else:
            out[f"{name}_recall"] = (final[..., mask] <= rank).sum(-1) / n
    advice = (gold == 1) | (gold == 2)
    out["escalated_to_crisis"] = (final[..., advice] == 0).sum(-1) / max(int(advice.sum()), 1)
    return out


TOLERANCES = (0.0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03)


KS = (1, 2, 3, 4, 5, 7)
EXTRAS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05)
HEAD_WEIGHTS = (0.0, 0.001, 0.002, 0.004)  # the heads' weight (bot.care.head); 0 = off


class NoAllowedSetting(ValueError):
    """No setting of the grid meets the limits on train false alarms and escalation."""


def choose(f: Features, max_false_alarm: float, max_escalation: float, step: float = 0.0025,
           ks: Sequence[int] = KS, extras: Sequence[float] = EXTRAS,
           tolerances: Sequence[float] = TOLERANCES,
           head_weights: Sequence[float] = HEAD_WEIGHTS) -> tuple[Setting, np.ndarray]:
    """The best setting on train (see the module docstring) and its final ranks for every case."""
    grid_c = np.round(np.arange(-0.03, 0.0401, step), 4)
    grid_u = np.round(np.arange(-0.02, 0.0601, step), 4)
    grid_l = np.round(np.arange(-0.02, 0.0601, step), 4)
    extras = extras if f.sentence.any() else (0.0,)
    train = f.part == "train"
    tc, tu, tl = (a.reshape(-1, 1) for a in np.meshgrid(grid_c, grid_u, grid_l, indexing="ij"))
    best = None
    for k, head_weight in ((k, w) for k in ks for w in head_weights):
        m = margins(f, k, head_weight)
        for extra in extras:
            for tolerance in tolerances:
                final = decide_units(f, m, tc, tu, tl, extra, tolerance)
                fig = figures(final[:, train], f.gold[train])
                value = 3 * fig["crisis_recall"] + 2 * fig["urgent_recall"] + fig["clinician_recall"]
                allowed = (fig["false_alarm"] <= max_false_alarm) & (fig["escalated_to_crisis"] <= max_escalation)
                value = np.where(allowed, value - 0.1 * fig["false_alarm"] - 0.05 * fig["escalated_to_crisis"]
                                 + 0.001 * ((tc + tu + tl)[:, 0] + extra - tolerance), -1)
                i = int(np.argmax(value))
                if best is None or value[i] > best[0]:
                    best = (value[i], Setting(k, float(tc[i, 0]), float(tu[i, 0]), float(tl[i, 0]), extra, tolerance,
                                              head_weight), final[i])
    if best is None or best[0] < 0:
        raise NoAllowedSetting(f"no setting keeps train false alarms at or under {max_false_alarm} and "
                               f"escalation to crisis at or under {max_escalation} (the rules alone may "
                               "already escalate more)")
    return best[1], best[2]


def _rounded(final: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    return {key: round(float(v), 3) for key, v in figures(final, gold).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-alarm", type=float, default=0.04)
    parser.add_argument("--max-escalation", type=float, default=0.05,
                        help="most share of train urgent and clinician cases answered as crisis")
    parser.add_argument("--quick", action="store_true", help="a coarser grid (steps of 0.005)")
    args = parser.parse_args()
    triage = load_layered_triage()
    f = features(triage, read_cases())
    try:
        chosen, final = choose(f, args.max_false_alarm, args.max_escalation, 0.005 if args.quick else 0.0025)
    except NoAllowedSetting as exc:
        raise SystemExit(str(exc)) from exc
    now = Setting.in_force(triage)
    current = replay(f, now)
    parts = {"train": f.part == "train", "dev": f.part == "dev"}
    for name, mask in parts.items():
        print(f"in force ({now}) tuning-{name}: {json.dumps(_rounded(current[mask], f.gold[mask]))}")
    report: dict[str, float] = {"k": chosen.k, "crisis": chosen.crisis, "urgent": chosen.urgent,
                                "clinician": chosen.clinician, "sentence_extra": chosen.sentence_extra,
                                "crisis_tolerance": chosen.tolerance, "head_weight": chosen.head_weight}
    for name, mask in parts.items():
        got = _rounded(final[mask], f.gold[mask])
        rules = _rounded(f.rule_rank[mask], f.gold[mask])
        print(f"tuning-{name} ({int(mask.sum())} cases): {json.dumps(got)}; rules only {json.dumps(rules)}")
        report.update({f"{name}_{key}": v for key, v in got.items()})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
