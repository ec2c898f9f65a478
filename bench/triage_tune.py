"""Choose the semantic layer's K and margins on tuning-train; check they generalise on tuning-dev.

Why: thresholds chosen on the same cases they are reported on measure fit, not safety. The tuning
cases (tests/data/triage_cases.jsonl) are split by paraphrase family, deterministically (a hash of
the family id, see :func:`bench.common.tuning_part`), into a train part that picks the settings and
a dev part that is only looked at. The blind split is never read here.

Objective, in order: train false alarms on benign text at or under ``--max-false-alarm``; then the
most ``3 x crisis + 2 x urgent + 1 x clinician`` recall (a missed crisis costs most); then the
fewest false alarms; then the highest margins (the widest gap from benign text that still
catches as much). Every text is embedded once; the grid is evaluated with numpy, applying the
same decision as :meth:`bot.care.semantic.SemanticLayer.decide` and :func:`bot.care.engine.combine`.
Last line: one JSON object with the chosen settings and the train and dev figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import tuning_part  # noqa: E402
from bot.care.engine import MIN_WORDS, sentences  # noqa: E402
from bot.care.semantic import SENTENCE_EXTRA  # noqa: E402
from bot.care.service import load_safety_content  # noqa: E402
from bot.care.triage import Level  # noqa: E402

_RANK = {"crisis": 0, "urgent": 1, "clinician": 2, "none": 3}
_LEVELS = (Level.CRISIS, Level.URGENT, Level.CLINICIAN, Level.NONE)


def _figures(final: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """Recall per level and false alarms; ``final`` may carry a leading grid axis."""
    out = {}
    for name, rank in _RANK.items():
        mask = gold == rank
        n = max(int(mask.sum()), 1)
        if name == "none":
            out["false_alarm"] = (final[..., mask] < 3).sum(-1) / n
        else:
            out[f"{name}_recall"] = (final[..., mask] <= rank).sum(-1) / n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-alarm", type=float, default=0.04)
    parser.add_argument("--quick", action="store_true", help="a coarser grid (steps of 0.005)")
    args = parser.parse_args()
    triage, _, problems = load_safety_content(ROOT / "content")
    if triage is None or triage.semantic is None:
        raise SystemExit(f"safety content did not load: {problems[:1]}")
    layer = triage.semantic
    cases = [json.loads(line) for line in (ROOT / "tests/data/triage_cases.jsonl").open(encoding="utf-8") if line.strip()]
    gold = np.array([_RANK[c["level"]] for c in cases])
    part = np.array([tuning_part(c["family"]) for c in cases])
    rule_rank = np.array([_RANK[triage.rules.classify(c["text"]).level.value] for c in cases])
    eligible = np.array([len(triage.rules.normalize(c["text"]).split()) >= MIN_WORDS for c in cases]) & (rule_rank > 0)
    # Units: every case's whole text, then each of its sentences when it has several (as the bot
    # screens a longer message); ``owner`` maps a unit to its case, ``sentence`` marks sentences.
    texts, owner, sentence = [], [], []
    for i, c in enumerate(cases):
        for j, text in enumerate([c["text"], *sentences(c["text"], triage.rules.normalize)]):
            texts.append(text)
            owner.append(i)
            sentence.append(j > 0)
    owner_a, sentence_a = np.array(owner), np.array(sentence)
    starts = np.flatnonzero(np.r_[True, owner_a[1:] != owner_a[:-1]])
    vectors = layer.encoder.encode(texts)
    groups = {lv: vectors_of(layer, lv) for lv in _LEVELS}
    tops = {lv: -np.sort(-(vectors @ m.T), axis=1)[:, :8] for lv, m in groups.items()}
    step = 0.005 if args.quick else 0.0025
    grid_c = np.round(np.arange(-0.03, 0.0401, step), 4)
    grid_u = np.round(np.arange(-0.02, 0.0601, step), 4)
    grid_l = np.round(np.arange(-0.02, 0.0601, step), 4)
    extras = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05) if sentence_a.any() else (0.0,)
    train, dev = part == "train", part == "dev"
    best = None
    for k in (1, 2, 3, 4, 5, 7):
        score = {lv: t[:, : min(k, t.shape[1])].mean(1) for lv, t in tops.items()}
        mc, mu, ml = (score[lv] - score[Level.NONE] for lv in _LEVELS[:3])
        tc, tu, tl = np.meshgrid(grid_c, grid_u, grid_l, indexing="ij")
        tc, tu, tl = (a.reshape(-1, 1) for a in (tc, tu, tl))
        for extra in extras:
            raise_by = np.where(sentence_a, extra, 0.0)
            crisis = (mc >= tc + raise_by) & (mc >= np.maximum(mu, ml))
            urgent = ~crisis & (mu >= tu + raise_by)
            clin = ~crisis & ~urgent & (ml >= tl + raise_by)
            units = np.where(crisis, 0, np.where(urgent, 1, np.where(clin, 2, 3)))
            sem = np.minimum.reduceat(units, starts, axis=1)
            final = np.where(eligible, np.minimum(rule_rank, sem), rule_rank)
            fig = _figures(final[:, train], gold[train])
            value = 3 * fig["crisis_recall"] + 2 * fig["urgent_recall"] + fig["clinician_recall"]
            value = np.where(fig["false_alarm"] <= args.max_false_alarm,
                             value - 0.1 * fig["false_alarm"] + 0.001 * (tc + tu + tl)[:, 0] + 0.001 * extra, -1)
            i = int(np.argmax(value))
            if best is None or value[i] > best[0]:
                best = (value[i], k, float(tc[i, 0]), float(tu[i, 0]), float(tl[i, 0]), extra, final[i])
    _, k, c, u, cl, extra, final = best
    unit = (tops, starts, sentence_a)
    current = _decide(unit, layer.k, [layer.thresholds[lv] for lv in _LEVELS[:3]], SENTENCE_EXTRA, rule_rank, eligible)
    for name, mask in (("train", train), ("dev", dev)):
        got = {key: round(float(v), 3) for key, v in _figures(current[mask], gold[mask]).items()}
        print(f"in force (k {layer.k}, {[layer.thresholds[lv] for lv in _LEVELS[:3]]}, sentence extra "
              f"{SENTENCE_EXTRA}) tuning-{name}: {json.dumps(got)}")
    rules_final = rule_rank
    report = {"k": k, "crisis": c, "urgent": u, "clinician": cl, "sentence_extra": extra}
    for name, mask in (("train", train), ("dev", dev)):
        got = {key: round(float(v), 3) for key, v in _figures(final[mask], gold[mask]).items()}
        rules = {key: round(float(v), 3) for key, v in _figures(rules_final[mask], gold[mask]).items()}
        print(f"tuning-{name} ({int(mask.sum())} cases): {json.dumps(got)}; rules only {json.dumps(rules)}")
        report.update({f"{name}_{key}": v for key, v in got.items()})
    print(json.dumps(report))


def _decide(unit: tuple, k: int, thresholds: list[float], extra: float, rule_rank: np.ndarray,
            eligible: np.ndarray) -> np.ndarray:
    """Final rank per case for one setting (the same decision as the grid above)."""
    tops, starts, sentence = unit
    score = {lv: t[:, : min(k, t.shape[1])].mean(1) for lv, t in tops.items()}
    mc, mu, ml = (score[lv] - score[Level.NONE] for lv in _LEVELS[:3])
    raise_by = np.where(sentence, extra, 0.0)
    crisis = (mc >= thresholds[0] + raise_by) & (mc >= np.maximum(mu, ml))
    urgent = ~crisis & (mu >= thresholds[1] + raise_by)
    clin = ~crisis & ~urgent & (ml >= thresholds[2] + raise_by)
    units = np.where(crisis, 0, np.where(urgent, 1, np.where(clin, 2, 3)))
    sem = np.minimum.reduceat(units, starts)
    return np.where(eligible, np.minimum(rule_rank, sem), rule_rank)


def vectors_of(layer, level: Level) -> np.ndarray:
    """The bank's vectors of one level (what the layer compares a message with)."""
    matrix, _ = layer._groups[level]
    return matrix


if __name__ == "__main__":
    main()
