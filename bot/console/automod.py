"""Discord's AutoMod, simulated for the console, so AutoMod mode can be tried without Discord.

It keeps the rules channel watch creates in memory (it is the console's
:class:`bot.watch.sync.AutomodPort`) and matches a posted text with Discord's documented keyword
strategies: a keyword without ``*`` is a whole word or phrase between whitespace, ``word*`` a
prefix, ``*word`` a suffix, ``*word*`` anywhere; case-insensitive; allow-list matches cancel a
keyword match inside them. Regexes are run as written.
"""

from __future__ import annotations

import itertools
import re
from typing import Any


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A Discord AutoMod keyword (with its ``*`` wildcards) as a regex."""
    core = re.escape(keyword.strip("*").casefold())
    start = "" if keyword.startswith("*") else r"(?:(?<=\s)|^)"
    end = "" if keyword.endswith("*") else r"(?=\s|$)"
    return re.compile(start + core + end)


class ConsoleAutomod:
    """AutoMod simulated in memory, so channel watch works in the console."""

    def __init__(self) -> None:
        self.rules: dict[int, dict[int, dict[str, Any]]] = {}
        self._ids = itertools.count(700_000_000_000_000_001)

    async def list_rules(self, guild_id: int) -> list[dict[str, Any]]:
        return list(self.rules.get(guild_id, {}).values())

    async def create_rule(self, guild_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        rule = {**payload, "id": str(next(self._ids)), "guild_id": str(guild_id)}
        self.rules.setdefault(guild_id, {})[int(rule["id"])] = rule
        return rule

    async def edit_rule(self, guild_id: int, rule_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        rule = self.rules[guild_id][rule_id]
        rule.update(payload)
        return rule

    async def delete_rule(self, guild_id: int, rule_id: int) -> None:
        self.rules.get(guild_id, {}).pop(rule_id, None)

    def is_community(self, guild_id: int) -> bool | None:
        return True

    def match(self, guild_id: int, text: str) -> tuple[int, str] | None:
        """The first of the server's enabled rules that fires on ``text``: (rule id, matched keyword)."""
        folded = text.casefold()
        for rule in self.rules.get(guild_id, {}).values():
            if not rule.get("enabled"):
                continue
            meta = rule.get("trigger_metadata") or {}
            allowed = [m.span() for a in meta.get("allow_list") or [] for m in keyword_pattern(a).finditer(folded)]
            tests = [(k, keyword_pattern(k), folded) for k in meta.get("keyword_filter") or []]
            tests += [(r, re.compile(r), text) for r in meta.get("regex_patterns") or []]
            for label, rx, source in tests:
                for m in rx.finditer(source):
                    if not any(lo <= m.start() and m.end() <= hi for lo, hi in allowed):
                        return int(rule["id"]), label
        return None
