"""Shared by the benchmarks: percentiles the same way everywhere."""

from __future__ import annotations


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
