"""Shared by the benchmarks: percentiles the same way everywhere, the layered triage they all
load, and the member-data benchmarks' command line."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.care.engine import SafetyTriage

ROOT = Path(__file__).resolve().parent.parent


def load_layered_triage() -> SafetyTriage:
    """The shipped rules and exemplar bank on the real model; exits naming the first problem when
    either layer did not load (a benchmark of half a triage would mislead)."""
    from bot.care.service import load_safety_content

    triage, _, problems = load_safety_content(ROOT / "content")
    if triage is None or triage.semantic is None:
        raise SystemExit(f"safety content did not load: {problems[:1]}")
    return triage


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def tuning_part(family: str) -> str:
    """``"train"`` or ``"dev"`` for a tuning family: a fixed hash, so a family stays on one side.

    About one family in four goes to dev. Settings are chosen on train; dev shows whether a change
    generalises before anything is measured on the blind split.
    """
    import hashlib

    return "dev" if hashlib.sha256(family.encode()).digest()[0] % 4 == 0 else "train"


def run_member_bench(description: str | None, run: Callable[[int, int], Awaitable[dict[str, float]]],
                     operations: tuple[int, int]) -> None:
    """The command line of the member-data benchmarks: ``--quick`` is 1,000 members instead of
    10,000, and ``operations`` is (quick, full) of the measured operation; one JSON line printed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="1,000 members instead of 10,000")
    args = parser.parse_args()
    members = 1000 if args.quick else 10_000
    print(json.dumps(asyncio.run(run(members, operations[0] if args.quick else operations[1]))))
