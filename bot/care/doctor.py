"""What safety set is in force, in plain lines: for ``supportbot doctor`` and moderators.

Why: a safety net that switched off quietly is worse than none, because everyone trusts it. This
says exactly what is loaded, so "is the triage on, and with what?" has a one-command answer.
"""

from __future__ import annotations

from collections import Counter

from bot.care.engine import CLAUSE_WORDS, SafetyTriage
from bot.care.resources import Directory
from bot.care.semantic import ADVICE_GENTLE_BAND, CLAUSE_EXTRA, SENTENCE_EXTRA


def describe_safety(triage: SafetyTriage, directory: Directory) -> list[str]:
    """The safety set in force, in lines a moderator reads (counts, model, verified dates)."""
    levels = Counter(rule.level.value for rule in triage.rules.rules)
    lines = [
        f"Rules: {len(triage.rules.rules)} ("
        + ", ".join(f"{levels.get(lv, 0)} {lv}" for lv in ("crisis", "urgent", "clinician")) + ")"
    ]
    semantic = triage.semantic
    if semantic is None:
        lines.append("Semantic layer: OFF (rules only)")
    else:
        counts = semantic.counts()
        lines.append(
            f"Exemplars: {sum(counts.values())} ("
            + ", ".join(f"{counts.get(lv, 0)} {lv}" for lv in ("crisis", "urgent", "clinician", "none")) + ")"
        )
        thresholds = ", ".join(f"{lv.value} {t:+.4f}" for lv, t in semantic.thresholds.items())
        lines.append(f"Model: {semantic.model} ({semantic.encoder.size_mb:.1f} MB of weights, dim {semantic.encoder.dim})")
        lines.append(f"Margins: {thresholds}; gentle note from {semantic.gentle:+.4f}, and on advice within "
                     f"{ADVICE_GENTLE_BAND:.4f} of crisis; K {semantic.k}, head weight {semantic.head_weight:g}")
        lines.append(f"Long messages: each sentence at {SENTENCE_EXTRA:+.4f} more margin; sentences of "
                     f"{CLAUSE_WORDS}+ words clause by clause too, for a crisis only, at {CLAUSE_EXTRA:+.4f} more")
    for entry in directory.entries():
        dates = [s.last_verified for s in entry.services]
        oldest = min(dates).isoformat() if dates else "no services"
        lines.append(f"Resources {entry.country} ({entry.country_name}): {len(entry.services)} service(s), "
                     f"oldest verification {oldest}")
        for shared in entry.shared_emergency_numbers:
            lines.append(f"Shared emergency number {shared.number}: {len(shared.countries)} countries ({shared.note}), "
                         f"used where a country has no file of its own; verified {shared.last_verified.isoformat()}")
    return lines
