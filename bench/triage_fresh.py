"""Safety triage on a fresh probe written after the triage was tuned, by a writer who saw none of
its rules, exemplars or cases (``tests/data/triage_fresh.jsonl``).

Fifteen crisis families and eight benign families that could fool a screen (idioms, fiction, a
past crisis, exhaustion), ten texts each, split by family in two halves. ``fresh-train`` has been
read while writing rules; ``fresh-check`` has not (only these aggregates were looked at), so its
figures are a second measurement beside the blind split. Aggregates only. Last line:
``{"check_crisis_recall", "check_false_alarm", "check_crisis_lines_shown", "train_crisis_recall",
"train_false_alarm", ...}``. ``--quick`` is the same run (230 texts take seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage  # noqa: E402
from bench.triage import evaluate  # noqa: E402
from bot.care.engine import SafetyTriage  # noqa: E402

FRESH = ROOT / "tests" / "data" / "triage_fresh.jsonl"
HALVES = {"check": "fresh-check", "train": "fresh-train"}


def read_fresh(path: Path = FRESH) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same run: the probe is small")
    parser.parse_args()
    triage = load_layered_triage()
    cases = read_fresh()
    out: dict[str, float] = {}
    for half, split in HALVES.items():
        chosen = [c for c in cases if c["split"] == split]
        figures = evaluate(SafetyTriage(triage.rules, triage.semantic), chosen)
        present = {c["level"] for c in chosen}  # the probe has no urgent or clinician texts
        figures = {k: v for k, v in figures.items()
                   if not k.endswith("_recall") or k.removesuffix("_recall") in present}
        print(f"{split}: {json.dumps(figures)}")
        out.update({f"{half}_{k}": v for k, v in figures.items() if k != "cases"})
    first = ("check_crisis_recall", "check_false_alarm", "check_crisis_lines_shown", "train_crisis_recall",
             "train_false_alarm")
    print(json.dumps({**{k: out[k] for k in first}, **{k: v for k, v in out.items() if k not in first}}))


if __name__ == "__main__":
    main()
