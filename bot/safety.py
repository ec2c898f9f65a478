"""The contract between features and the safety triage (``bot.care``).

Every feature that receives free text (``/faq`` questions, check-in notes, form fields) asks
:meth:`bot.app.SupportApp.screen` first. A ``crisis`` outcome stops normal handling; ``urgent``
and ``clinician`` outcomes carry advice the feature shows instead of, or beside, its own reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ui import Actor, Reply


@dataclass(slots=True, frozen=True)
class SafetyOutcome:
    """The triage's verdict on one text and the reply that goes with it."""

    level: str  # "crisis" | "urgent" | "clinician" | "gentle"
    rule: str | None
    reply: Reply
    layer: str | None = None  # "rule" | "semantic": which triage layer decided
    confidence: float | None = None
    # The text is about someone else in danger (a friend, a relative): the reply is addressed to
    # the helper, and so must anything a feature writes around it.
    about_someone_else: bool = False
    # Urgent or clinician advice that won only just over crisis: the reply carries the gentle note
    # with the member's lines above the advice.
    gentle: bool = False

    @property
    def stops(self) -> bool:
        """Crisis always stops whatever the member was doing."""
        return self.level == "crisis"

    @property
    def beside(self) -> bool:
        """A gentle note goes beside the normal answer and never replaces it."""
        return self.level == "gentle"


SafetyCheck = Callable[[Actor, str], Awaitable[SafetyOutcome | None]]
