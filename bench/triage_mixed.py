"""Safety triage on messages written in one run: each case joined to everyday pain talk, no stops.

Members often write without full stops: "ugh my back has been so bad all week and the physio
cancelled again and honestly i just want to go to sleep and not wake up". The triage splits a
message into sentences at stops and line breaks, so such a message is screened as one sentence,
and the pain talk pulls its embedding toward the benign exemplars. This benchmark measures that:
every case of both splits is lowercased, its closing stop dropped, and joined to one or two
clauses of everyday pain talk (``PAIN_TALK``, written for this benchmark; none comes from either
split) three ways: after the talk ("<talk> and honestly <case>"), before it ("<case> and
<talk>"), and between two ("<talk>, <case>, <talk>"). A crisis case keeps its level; a benign one
stays benign, since pain talk is benign.

Figures are the same aggregates as ``bench/triage.py`` (:func:`bench.triage.evaluate`), for the
cases as written and joined; nothing about single blind cases is printed. It also reports false
alarms on ``tests/data/triage_day_notes.jsonl``: check-in notes that describe a day in one run,
written for this benchmark (``day_notes_false_alarm``). Last line:
``{"tuning_mixed_crisis_recall", "tuning_mixed_false_alarm", "blind_mixed_crisis_recall",
"blind_mixed_false_alarm", "blind_mixed_crisis_lines_shown", ...}``. ``--quick`` joins every
case one way (chosen by its position) instead of all three.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage  # noqa: E402
from bench.triage import SPLITS, evaluate, read_cases  # noqa: E402
from bot.care.engine import SafetyTriage  # noqa: E402

PAIN_TALK = (
    "ugh my back has been so bad all week and the physio cancelled again",
    "had a rough night with my hips and the new mattress isnt helping at all",
    "flare day today, legs are like lead and my hands are burning",
    "been on the sofa since 6am with a heat pad on my lower back",
    "the gp still hasnt called back about my bloods and my neck is agony",
    "cant get comfy anywhere, shoulders and knees all screaming today",
    "fog is awful today i keep losing my words and my feet ache",
    "spent two hours at the hospital for an mri and now im wiped out",
)
WAYS = ("after", "before", "between")
DAY_NOTES = ROOT / "tests" / "data" / "triage_day_notes.jsonl"


def joined(text: str, way: str, rng: random.Random) -> str:
    """``text`` written into pain talk in one run, ``way`` one of ``WAYS``."""
    case = text.strip().rstrip(".!?").lower()
    talk = rng.choice(PAIN_TALK)
    if way == "after":
        return f"{talk} and honestly {case}"
    if way == "before":
        return f"{case} and {talk}"
    return f"{talk}, {case}, {rng.choice(PAIN_TALK)}"


def mixed_cases(cases: list[dict[str, str]], *, quick: bool, seed: int = 7) -> list[dict[str, str]]:
    """Every case joined each way (``quick``: one way per case, in turn), same level."""
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    for index, case in enumerate(cases):
        for way in (WAYS[index % len(WAYS)],) if quick else WAYS:
            out.append({**case, "text": joined(case["text"], way, rng)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="join each case one way, not three")
    args = parser.parse_args()
    triage = load_layered_triage()
    out: dict[str, float] = {}
    for split, path in SPLITS.items():
        cases = read_cases(path)
        as_written = evaluate(SafetyTriage(triage.rules, triage.semantic), cases)
        mixed = evaluate(SafetyTriage(triage.rules, triage.semantic), mixed_cases(cases, quick=args.quick))
        print(f"{split}, as written: {json.dumps(as_written)}")
        print(f"{split}, joined to pain talk: {json.dumps(mixed)}")
        out.update({f"{split}_{k}": v for k, v in as_written.items() if k != "cases"})
        out.update({f"{split}_mixed_{k}": v for k, v in mixed.items() if k != "cases"})
    notes = evaluate(SafetyTriage(triage.rules, triage.semantic), read_cases(DAY_NOTES))
    print(f"day notes: {json.dumps(notes)}")
    out["day_notes_false_alarm"] = notes["false_alarm"]
    first = ("tuning_mixed_crisis_recall", "tuning_mixed_false_alarm", "blind_mixed_crisis_recall",
             "blind_mixed_false_alarm", "blind_mixed_crisis_lines_shown")
    print(json.dumps({**{k: out[k] for k in first}, **{k: v for k, v in out.items() if k not in first}}))


if __name__ == "__main__":
    main()
