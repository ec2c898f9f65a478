"""Keep a server's AutoMod rules in line with the derived plan, and repair what humans changed.

The Discord adapter implements :class:`AutomodPort` over plain dicts (Discord's rule objects), so
this logic is tested without Discord. A rule Discord rejects is reported and the others are kept;
missing Manage Server stops the sync with a message for the admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.watch.derive import KEYWORD_RULES_MAX, AutomodRuleSpec

KEYWORD = 1  # AutoMod trigger type
MESSAGE_SEND = 1  # AutoMod event type
SEND_ALERT_MESSAGE = 2  # the only action the bot ever uses: never block, never time out
REASON = "Keeping the community-care rules in sync"


class AutomodForbidden(Exception):
    """Discord refused: the bot lacks Manage Server in this server."""


class AutomodRejected(Exception):
    """Discord rejected one rule (400): ``code`` and a short reason from Discord."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class AutomodPort(Protocol):
    """What channel watch needs from Discord's AutoMod API (real client or console)."""

    async def list_rules(self, guild_id: int) -> list[dict[str, Any]]: ...
    async def create_rule(self, guild_id: int, payload: dict[str, Any]) -> dict[str, Any]: ...
    async def edit_rule(self, guild_id: int, rule_id: int, payload: dict[str, Any]) -> dict[str, Any]: ...
    async def delete_rule(self, guild_id: int, rule_id: int) -> None: ...
    def is_community(self, guild_id: int) -> bool | None: ...


@dataclass(slots=True)
class SyncReport:
    """What one AutoMod sync did in one server, and any problem to show."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    keywords: int = 0
    regexes: int = 0
    problems: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    partly: list[str] = field(default_factory=list)
    forbidden: bool = False


def payload_for(spec: AutomodRuleSpec, alert_channel_id: int) -> dict[str, Any]:
    """The AutoMod rule payload Discord expects for one derived rule."""
    return {
        "name": spec.name,
        "event_type": MESSAGE_SEND,
        "trigger_type": KEYWORD,
        "trigger_metadata": spec.trigger(),
        "actions": [{"type": SEND_ALERT_MESSAGE, "metadata": {"channel_id": str(alert_channel_id)}}],
        "enabled": True,
        "exempt_roles": [],
        "exempt_channels": [],
    }


def same_rule(remote: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether a rule on Discord already matches the one wanted (no edit needed)."""
    meta = remote.get("trigger_metadata") or {}
    want = wanted["trigger_metadata"]
    actions = [(int(a.get("type", 0)), str((a.get("metadata") or {}).get("channel_id"))) for a in remote.get("actions") or []]
    def same(key: str) -> bool:  # order and case are not meaningful to AutoMod
        return {str(x).casefold() for x in meta.get(key) or []} == {x.casefold() for x in want[key]}

    return (
        remote.get("name") == wanted["name"]
        and bool(remote.get("enabled")) is True
        and int(remote.get("event_type", 0)) == MESSAGE_SEND
        and same("keyword_filter") and same("regex_patterns") and same("allow_list")
        and actions == [(SEND_ALERT_MESSAGE, wanted["actions"][0]["metadata"]["channel_id"])]
    )


def free_slots(rules: Sequence[dict[str, Any]], owned_ids: set[int], wanted: int) -> int:
    """How many keyword rules the bot may use: its setting, within what the server has left."""
    others = sum(1 for r in rules if int(r.get("trigger_type", 0)) == KEYWORD and int(r["id"]) not in owned_ids)
    return max(0, min(wanted, KEYWORD_RULES_MAX - others))
