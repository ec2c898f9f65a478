"""Choose the FAQ hybrid's constants on tuning-train; check they generalise on tuning-dev.

Why: constants chosen on the same questions they are reported on measure fit. The tuning
questions (``tests/data/faq_queries.jsonl``) are split deterministically into a train part that
picks the settings and a dev part that is only looked at. A family is the expected entry (every
question about one entry stays on one side, so dev asks about entries whose wording train never
saw); an out-of-scope question is its own family. The split is :func:`bench.common.tuning_part`,
the same hash the triage tuning uses. The blind set is never read here.

The tuning questions are two files: ``tests/data/faq_queries.jsonl`` (the aliases were written
with it in view, so it is close to fitted) and ``tests/data/faq_queries_fresh.jsonl``, written
later in new member wording; both are split the same way, and the fresh part's figures are
reported apart (``*_fresh``) as the better guide to questions in words nobody has seen.

The grid covers LEXICAL_WEIGHT, COSINE_FLOOR, COSINE_CEILING, LEXICAL_FLOOR, the hybrid's answer
threshold, SUMMARY_WEIGHT and the classification head's two weights (``bot/faq/hybrid.py``);
SECOND_WEIGHT and MARGIN_WEIGHT only with ``--explore`` (see :func:`grid`). ``--head-only``
searches the head's weights alone with every other constant held where it is: with all of them
free, the grid re-fits the whole blend around the head (train up, dev down), so the head's own
effect is best judged with the rest fixed. The lexical-only answer threshold (``bot/faq/search.py``, used
when the sentence model is not available) is chosen the same way on its own. Each question's
candidates (BM25 score, lexical confidence, the three cosines, the head's probability) do not depend on these constants,
so they are computed once by the real index (:meth:`bot.faq.search.SearchIndex.candidates`) and
the grid re-decides them with numpy. The reported figures are not from that replay: the in-force
and the chosen constants are applied to the real search and scored with ``bench/faq_accuracy.py``.

Objective on train, in order: out-of-scope abstention at least ``--min-abstention`` (the target
0.90 plus a margin); the most right first answers, settings within ``--tolerance`` right answers
of the best counting as tied; among those the fewest false abstentions; then the most right
answers, the most abstention, and the setting closest to the one in force. Last line: one JSON
object with both settings and their train and dev figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import tuning_part  # noqa: E402
from bench.faq_accuracy import TUNING, load_cases, load_indexes, score  # noqa: E402
from bot.faq import hybrid  # noqa: E402
from bot.faq import search as lexical_search  # noqa: E402
from bot.faq.search import RANK_CONF, SearchIndex, SearchResult  # noqa: E402

NAMES = ("LEXICAL_WEIGHT", "COSINE_FLOOR", "COSINE_CEILING", "LEXICAL_FLOOR", "ANSWER_THRESHOLD",
         "SECOND_WEIGHT", "SUMMARY_WEIGHT", "MARGIN_WEIGHT", "HEAD_WEIGHT", "HEAD_ORDER_WEIGHT")
# A second file of tuning questions, written later in wording the aliases were not written
# against: with it, train and dev measure new wording, not only the phrasings aliases copy.
FRESH = ROOT / "tests" / "data" / "faq_queries_fresh.jsonl"


# One right answer more on train is not evidence (a setting that gains one on train loses one on
# dev as often as not): settings within this many right answers of the best count as tied, and
# the fewest false abstentions decides among them.
TOLERANCE = 1


def tuning_cases() -> list[tuple[str, str | None]]:
    """Every tuning question: the first file, then the fresh one."""
    return load_cases(TUNING) + load_cases(FRESH)


def family(question: str, expected: str | None) -> str:
    """The paraphrase family of a tuning question: its entry, or the question when out of scope."""
    return f"entry:{expected}" if expected else f"out-of-scope:{question}"


def split(cases: list[tuple[str, str | None]]) -> dict[str, list[tuple[str, str | None]]]:
    parts: dict[str, list[tuple[str, str | None]]] = {"train": [], "dev": []}
    for case in cases:
        parts[tuning_part(family(*case))].append(case)
    return parts


class Uncached:
    """The index searched afresh each time (its result cache would keep answers of other constants)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def search(self, text: str) -> SearchResult:
        return self.index._search(text)


@contextmanager
def constants(setting: dict[str, float], module: object = hybrid) -> Iterator[None]:
    """Apply constants to the running code, and put the ones in force back afterwards."""
    saved = {name: getattr(module, name) for name in setting}
    try:
        for name, value in setting.items():
            setattr(module, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def features(index: SearchIndex, cases: list[tuple[str, str | None]]) -> dict[str, np.ndarray]:
    """Per question, its padded candidates: lexical, the three cosines (best phrasing, second
    phrasing, summary), the classification head's probability, BM25, whether each is the
    expected one."""
    rows = [index.candidates(q, with_head=True)[1] for q, _ in cases]
    width = max(1, max(len(r) for r in rows))
    shape = (len(rows), width)
    lex, bm25 = np.zeros(shape), np.zeros(shape)
    cos, second, summary = np.full(shape, -1.0), np.full(shape, -1.0), np.full(shape, -1.0)
    head = np.zeros(shape)
    valid, right = np.zeros(shape, bool), np.zeros(shape, bool)
    for i, (row, (_, expected)) in enumerate(zip(rows, cases, strict=True)):
        for j, (entry, bm, lexical, best_cos, second_cos, summary_cos, probability) in enumerate(row):
            lex[i, j], bm25[i, j], valid[i, j] = lexical, bm, True
            cos[i, j] = -1.0 if best_cos is None else best_cos
            second[i, j] = -1.0 if second_cos is None else second_cos
            summary[i, j] = -1.0 if summary_cos is None else summary_cos
            head[i, j] = 0.0 if probability is None else probability
            right[i, j] = index.entries[entry].id == expected
    in_scope = np.array([bool(e) for _, e in cases])
    return {"lex": lex, "cos": cos, "second": second, "summary": summary, "head": head, "bm25": bm25, "valid": valid,
            "right": right, "in_scope": in_scope}


def grid(quick: bool, explore: bool = False) -> dict[str, np.ndarray]:
    """The settings tried. SECOND_WEIGHT and MARGIN_WEIGHT stay at 0 unless ``explore``: tried
    on train, each gained at most one right answer there and neither held on dev (both cost
    out-of-scope abstention there), so they are not searched by default.

    The head's two ways in (HEAD_WEIGHT in the similarity, HEAD_ORDER_WEIGHT in the ranking order
    only) both start at 0, so "off" can win; :func:`search_grid` tries one of them at a time
    unless ``explore`` (then every pair)."""
    step = 2 if quick else 1
    axes = {
        "LEXICAL_WEIGHT": np.round(np.arange(0.4, 0.801, 0.05 * step), 3),
        "COSINE_FLOOR": np.round(np.arange(0.80, 0.881, 0.01 * step), 3),
        "COSINE_CEILING": np.round(np.arange(0.93, 0.991, 0.01 * step), 3),
        "LEXICAL_FLOOR": np.round(np.arange(0.25, 0.601, 0.05 * step), 3),
        "ANSWER_THRESHOLD": np.round(np.arange(0.35, 0.601, 0.025 * step), 4),
        "SECOND_WEIGHT": np.round(np.arange(0.0, 0.501, 0.125 * step), 4),
        "SUMMARY_WEIGHT": np.round(np.arange(0.0, 0.401, 0.1 * step), 3),
        "MARGIN_WEIGHT": np.round(np.arange(0.0, 2.001, 0.25 * step), 3),
        "HEAD_WEIGHT": np.array([0.0, 0.01, 0.02, 0.03, 0.05, 0.08])[::step],
        "HEAD_ORDER_WEIGHT": np.array([0.0, 0.05, 0.1, 0.15, 0.25, 0.4])[::step],
    }
    if not explore:
        axes["SECOND_WEIGHT"] = axes["MARGIN_WEIGHT"] = np.array([0.0])
    return axes


def head_pairs(axes: dict[str, np.ndarray], every_pair: bool) -> list[tuple[float, float]]:
    """(HEAD_WEIGHT, HEAD_ORDER_WEIGHT) pairs to try: (0, 0) and each way alone, or every pair
    (and the one pair there is when each axis holds one value: a replay of one setting)."""
    pairs = list(itertools.product(axes["HEAD_WEIGHT"], axes["HEAD_ORDER_WEIGHT"]))
    return [(float(h), float(o)) for h, o in pairs if every_pair or len(pairs) == 1 or h == 0.0 or o == 0.0]


def search_grid(f: dict[str, np.ndarray], axes: dict[str, np.ndarray], min_abstention: float,
                current: dict[str, float], tolerance: int = 0,
                every_pair: bool = False) -> tuple[dict[str, float], dict[str, float]]:
    """The best setting on these questions (see the module docstring for the objective), and
    its figures as the replay computes them (a check that the replay decides as the bot does).
    Settings within ``tolerance`` right answers of the most right answers count as tied."""
    n_in, n_out = max(1, int(f["in_scope"].sum())), max(1, int((~f["in_scope"]).sum()))
    inner = np.meshgrid(axes["LEXICAL_FLOOR"], axes["ANSWER_THRESHOLD"], axes["MARGIN_WEIGHT"], indexing="ij")
    floors, thresholds, margins = (a.reshape(-1, 1) for a in inner)
    rows = np.arange(len(f["valid"]))
    has = f["valid"].any(axis=1)
    most = -1  # the most right answers seen so far among settings that abstain enough
    kept: list[tuple[tuple[float, ...], dict[str, float], dict[str, float]]] = []
    head_orders: dict[float, list[float]] = {}
    for head_w, order_w in head_pairs(axes, every_pair):
        head_orders.setdefault(head_w, []).append(order_w)
    for second_w, summary_w, head_w in itertools.product(axes["SECOND_WEIGHT"], axes["SUMMARY_WEIGHT"], head_orders):
        semantic = (f["cos"] + second_w * (f["second"] - f["cos"]) + summary_w * (f["summary"] - f["cos"])
                    + head_w * (f["head"] - 1.0))
        for weight, c_floor, c_ceiling, order_w in (
                (w, lo, hi, o) for w, lo, hi in itertools.product(
                    axes["LEXICAL_WEIGHT"], axes["COSINE_FLOOR"], axes["COSINE_CEILING"])
                for o in head_orders[head_w]):
            scaled = np.clip((semantic - c_floor) / (c_ceiling - c_floor), 0.0, 1.0)
            conf = weight * f["lex"] + (1 - weight) * scaled
            masked = np.where(f["valid"], conf, -np.inf)
            order = np.where(f["valid"], conf + order_w * f["head"], -np.inf)
            top = np.argmax(order + 1e-9 * f["bm25"], axis=1)  # ties go to the higher BM25
            top_conf, top_lex = conf[rows, top], f["lex"][rows, top]
            others = masked.copy()
            others[rows, top] = -np.inf
            runner = others.max(axis=1)
            runner = np.where(np.isfinite(runner), runner, 0.0)
            decision = top_conf + margins * (top_conf - runner)  # (settings, questions)
            answered = has & (decision >= thresholds) & (top_lex >= floors)
            right = f["right"][rows, top] & f["in_scope"]
            rights = (answered & right).sum(1)
            abstained = (~answered & ~f["in_scope"]).sum(1)
            eligible = np.flatnonzero((abstained / n_out >= min_abstention) & (rights >= most - tolerance))
            if not len(eligible):
                continue
            most = max(most, int(rights[eligible].max()))
            outer = {"LEXICAL_WEIGHT": float(weight), "COSINE_FLOOR": float(c_floor),
                     "COSINE_CEILING": float(c_ceiling), "SECOND_WEIGHT": float(second_w),
                     "SUMMARY_WEIGHT": float(summary_w), "HEAD_WEIGHT": float(head_w),
                     "HEAD_ORDER_WEIGHT": float(order_w)}
            unanswered = (~answered & f["in_scope"]).sum(1)
            distance = (sum(abs(v - current[n]) for n, v in outer.items())
                        + np.abs(floors[:, 0] - current["LEXICAL_FLOOR"])
                        + np.abs(thresholds[:, 0] - current["ANSWER_THRESHOLD"])
                        + np.abs(margins[:, 0] - current["MARGIN_WEIGHT"]))
            # Per outer setting only the best few can win; keep one per count of right answers.
            for count in np.unique(rights[eligible]):
                group = eligible[rights[eligible] == count]
                keys = (-unanswered[group], abstained[group], -distance[group])
                i = group[np.lexsort(tuple(reversed(keys)))[-1]]
                setting = {**outer, "LEXICAL_FLOOR": float(floors[i, 0]), "ANSWER_THRESHOLD": float(thresholds[i, 0]),
                           "MARGIN_WEIGHT": float(margins[i, 0])}
                figures = {"top1": round(float(rights[i] / n_in), 3), "abstention": round(float(abstained[i] / n_out), 3),
                           "false_abstention": round(float(unanswered[i] / n_in), 3)}
                kept.append(((int(rights[i]), -int(unanswered[i]), int(abstained[i]), -float(distance[i])),
                             setting, figures))
    tied = [k for k in kept if k[0][0] >= most - tolerance]
    if not tied:
        raise SystemExit(f"no setting keeps train abstention at {min_abstention} or above")
    # within the tolerance: fewest false abstentions, then most right answers, most abstention, closest
    _, setting, figures = max(tied, key=lambda k: (k[0][1], k[0][0], k[0][2], k[0][3]))
    return setting, figures


def lexical_threshold(f: dict[str, np.ndarray], min_abstention: float, current: float) -> tuple[float, dict[str, float]]:
    """The lexical-only answer threshold (the bot without its sentence model), same objective;
    where no threshold reaches the abstention floor, the one with the most abstention at the
    fewest false abstentions (``abstention - false_abstention``)."""
    top = np.where(f["valid"], f["bm25"], 0.0).max(axis=1, keepdims=True)
    order = RANK_CONF * f["lex"] + (1 - RANK_CONF) * f["bm25"] / np.where(top > 0, top, 1.0)
    first = np.argmax(np.where(f["valid"], order + 1e-9 * f["bm25"], -np.inf), axis=1)
    rows = np.arange(len(first))
    n_in, n_out = max(1, int(f["in_scope"].sum())), max(1, int((~f["in_scope"]).sum()))
    best: tuple[tuple[float, ...], float, dict[str, float]] | None = None
    for threshold in np.round(np.arange(0.4, 0.801, 0.025), 4):
        answered = f["valid"].any(axis=1) & (f["lex"][rows, first] >= threshold)
        fig = {"top1": round(float((answered & f["right"][rows, first]).sum() / n_in), 3),
               "abstention": round(float((~answered & ~f["in_scope"]).sum() / n_out), 3),
               "false_abstention": round(float((~answered & f["in_scope"]).sum() / n_in), 3)}
        reached = fig["abstention"] >= min_abstention
        value = (float(reached), fig["top1"] if reached else fig["abstention"] - fig["false_abstention"],
                 -fig["false_abstention"], -abs(threshold - current))
        if best is None or value > best[0]:
            best = (value, float(threshold), fig)
    assert best is not None
    return best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-abstention", type=float, default=0.92, help="train out-of-scope abstention floor")
    parser.add_argument("--quick", action="store_true", help="a coarser grid (every other step)")
    parser.add_argument("--explore", action="store_true",
                        help="also search SECOND_WEIGHT and MARGIN_WEIGHT, and both head weights together")
    parser.add_argument("--head-only", action="store_true",
                        help="search only the head's weights, every other constant held at its value in force")
    parser.add_argument("--tolerance", type=int, default=TOLERANCE,
                        help="right train answers within which settings count as tied")
    args = parser.parse_args()
    parts = split(tuning_cases())
    lexical, index = load_indexes()
    current = {name: float(getattr(hybrid, name)) for name in NAMES}
    train = features(index, parts["train"])
    axes = grid(args.quick, args.explore)
    if args.head_only:
        axes = {n: axes[n] if n.startswith("HEAD_") else np.array([current[n]]) for n in NAMES}
    chosen, replayed = search_grid(train, axes, args.min_abstention, current, args.tolerance, every_pair=args.explore)
    _, replayed_in_force = search_grid(train, {n: np.array([v]) for n, v in current.items()}, 0.0, current)
    lexical_now = float(lexical_search.ANSWER_THRESHOLD)
    lexical_chosen, lexical_replayed = lexical_threshold(features(lexical, parts["train"]), args.min_abstention,
                                                         lexical_now)
    report: dict[str, object] = {"in_force": current, "chosen": chosen, "replay_train_in_force": replayed_in_force,
                                 "replay_train_chosen": replayed, "lexical_threshold_in_force": lexical_now,
                                 "lexical_threshold_chosen": lexical_chosen, "replay_lexical_train_chosen": lexical_replayed,
                                 "train_questions": len(parts["train"]), "dev_questions": len(parts["dev"])}
    fresh = set(load_cases(FRESH))
    for name, cases in parts.items():
        new_wording = [c for c in cases if c in fresh]
        report[f"hybrid_{name}_fresh"] = score(Uncached(index), new_wording)
        with constants(chosen):
            report[f"chosen_{name}_fresh"] = score(Uncached(index), new_wording)
        report[f"lexical_{name}"] = score(Uncached(lexical), cases)
        with constants({"ANSWER_THRESHOLD": lexical_chosen}, lexical_search):
            report[f"lexical_chosen_{name}"] = score(Uncached(lexical), cases)
        report[f"hybrid_{name}"] = score(Uncached(index), cases)
        with constants(chosen):
            report[f"chosen_{name}"] = score(Uncached(index), cases)
    for key, value in report.items():
        print(f"{key:16} {json.dumps(value)}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
