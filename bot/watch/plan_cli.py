"""``supportbot automod``: what channel watch would put into Discord AutoMod, for whoever edits the
crisis rules (a new pattern may not fit AutoMod's language or limits; this says so before a server
notices)."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.watch.derive import derive, read_rules


def automod_command(settings: Settings, rules: int | None, as_json: bool) -> int:
    """`supportbot automod`: the derived AutoMod rules and what they cover."""
    plan = derive(read_rules(settings.content_dir / "safety"), rule_slots=rules or settings.watch_automod_rules)
    summary = {
        "rules": len(plan.rules),
        "keywords": plan.keyword_count,
        "regexes": sum(len(r.regexes) for r in plan.rules),
        "allow_list": sum(len(r.allow_list) for r in plan.rules),
        "crisis_rules": sorted(set(plan.sources.values())),
        "left_out": plan.left_out,
        "partly": plan.partly,
    }
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"{summary['rules']} AutoMod rule(s): {summary['keywords']} keywords, {summary['regexes']} regexes, "
          f"{summary['allow_list']} allow-list entries, from {len(summary['crisis_rules'])} crisis rules")
    for line in plan.left_out:
        print(f"left out: {line}")
    for line in plan.partly:
        print(f"partly: {line}")
    return 0
