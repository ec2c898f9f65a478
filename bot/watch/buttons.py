"""Channel watch's custom ids: the moderators' buttons on a safety alert card."""

from __future__ import annotations

from dataclasses import dataclass

from bot.customid import ROW_ID, Family, Kind, OneOf

# claim, resolve and false are on the card; resolved and keep answer "Mark it resolved?".
ACTIONS = ("claim", "resolve", "false", "resolved", "keep")


@dataclass(frozen=True, slots=True)
class AlertAction:
    """A moderator's button on safety alert ``alert``."""

    action: str
    alert: int


ALERT_ACTION = Kind(AlertAction, "watch:{action}:{alert}", action=OneOf(*ACTIONS), alert=ROW_ID)
WATCH_IDS = Family("watch", [ALERT_ACTION], "That alert no longer exists.")
