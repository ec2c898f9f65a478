"""Safety triage: recall per level and false alarms, on the tuning and the blind split, and latency.

The tuning split (tests/data/triage_cases.jsonl) is what rules, exemplars and thresholds were
written and chosen against; the blind split (tests/data/triage_blind.jsonl) was written
independently and is never read while writing them. Only aggregate figures are printed for it:
never its texts or which ones were missed.

A level counts as caught when the triage gives it or a more urgent one (an urgent message that
gets the crisis reply still gets the emergency number). False alarm: a benign text given any
level; the gentle note is reported separately because it never blocks an answer.

Every text is classified once by a freshly loaded triage (no cache can answer it), one at a time,
as the bot does. Last line: ``{"blind_crisis_recall", "blind_urgent_recall",
"blind_clinician_recall", "blind_false_alarm", "p99_ms", "rss_mb"}`` plus the tuning figures.
``--quick`` times a sample of 200 texts per split instead of all.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage, percentile, tuning_part  # noqa: E402
from bot.care.engine import SafetyTriage  # noqa: E402

SPLITS = {"tuning": ROOT / "tests" / "data" / "triage_cases.jsonl", "blind": ROOT / "tests" / "data" / "triage_blind.jsonl"}
_RANK = {"crisis": 0, "urgent": 1, "clinician": 2, "none": 3}


def read_cases(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(triage: SafetyTriage, cases: list[dict[str, str]], times: list[float] | None = None) -> dict[str, float]:
    """Aggregate figures only: recall per level, false alarms, gentle notes, and which layer caught."""
    caught = dict.fromkeys(_RANK, 0)
    total = dict.fromkeys(_RANK, 0)
    gentle = semantic = escalated = lines = 0
    for case in cases:
        start = time.perf_counter()
        result = triage.classify(case["text"])
        if times is not None:
            times.append((time.perf_counter() - start) * 1000)
        gold = case["level"]
        total[gold] += 1
        got = result.level.value
        lines += gold == "crisis" and (got == "crisis" or result.gentle)
        if gold == "none":
            caught[gold] += got != "none"
            gentle += result.gentle and got == "none"
        elif got != "none" and _RANK[got] <= _RANK[gold]:
            caught[gold] += 1
            semantic += result.layer == "semantic"
            escalated += gold != "crisis" and got == "crisis"
    flagged = sum(total[lv] for lv in ("crisis", "urgent", "clinician"))
    return {
        "crisis_recall": round(caught["crisis"] / max(total["crisis"], 1), 3),
        "urgent_recall": round(caught["urgent"] / max(total["urgent"], 1), 3),
        "clinician_recall": round(caught["clinician"] / max(total["clinician"], 1), 3),
        "false_alarm": round(caught["none"] / max(total["none"], 1), 3),
        "gentle_on_benign": round(gentle / max(total["none"], 1), 3),
        # crisis texts whose member sees the crisis lines: the crisis reply, or the gentle note
        # (beside an answer or advice); a crisis "missed" this way still shows who to call
        "crisis_lines_shown": round(lines / max(total["crisis"], 1), 3),
        "caught_by_semantic": round(semantic / max(flagged, 1), 3),
        # urgent and clinician texts given the crisis reply: caught, but not the advice they needed
        "escalated_to_crisis": round(escalated / max(total["urgent"] + total["clinician"], 1), 3),
        "cases": sum(total.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time 200 texts per split")
    args = parser.parse_args()
    start = time.perf_counter()
    triage = load_layered_triage()
    load_s = time.perf_counter() - start
    print(f"loaded in {load_s:.2f} s: model {triage.semantic.model}, exemplars {triage.semantic.counts()}")
    out: dict[str, float] = {}
    times: list[float] = []
    for split, path in SPLITS.items():
        cases = read_cases(path)
        fresh = load_layered_triage()  # an empty cache for every split
        assert fresh.semantic is not None
        getattr(fresh.semantic.encoder, "forget_recent", lambda: None)()  # nor the encoder's memory
        sample = cases[:: max(1, len(cases) // 200)] if args.quick else cases
        evaluate(fresh, sample, times)  # timed on cold texts
        figures = evaluate(SafetyTriage(fresh.rules, fresh.semantic), cases)
        rules_only = evaluate(SafetyTriage(fresh.rules, None), cases)
        print(f"{split}: {json.dumps(figures)}")
        if split == "tuning":
            for part in ("train", "dev"):
                piece = evaluate(SafetyTriage(fresh.rules, fresh.semantic), [c for c in cases if tuning_part(c["family"]) == part])
                print(f"tuning-{part}: {json.dumps(piece)}")
                out.update({f"tuning_{part}_{k}": v for k, v in piece.items() if k != "cases"})
        print(f"{split} (rules only): {json.dumps(rules_only)}")
        out.update({f"{split}_{k}": v for k, v in figures.items() if k != "cases"})
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"latency over {len(times)} cold texts: p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms")
    print(json.dumps({
        "blind_crisis_recall": out["blind_crisis_recall"],
        "blind_urgent_recall": out["blind_urgent_recall"],
        "blind_clinician_recall": out["blind_clinician_recall"],
        "blind_false_alarm": out["blind_false_alarm"],
        "p99_ms": round(percentile(times, 0.99), 1),
        "rss_mb": round(rss_mb, 1),
        "blind_crisis_lines_shown": out["blind_crisis_lines_shown"],
        "p50_ms": round(percentile(times, 0.5), 1),
        **{k: v for k, v in out.items() if k.startswith("tuning_") and not k.startswith(("tuning_train_", "tuning_dev_"))},
        **{k: v for k, v in out.items() if k.startswith(("tuning_train_", "tuning_dev_")) and k.endswith(("recall", "false_alarm"))},
        "model": triage.semantic.model,
    }))


if __name__ == "__main__":
    main()
