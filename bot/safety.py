"""The contract between features and the safety triage (``bot.care``).

Every feature that receives free text (``/faq`` questions, check-in notes, form fields) asks
:meth:`bot.app.SupportApp.screen` first. A ``crisis`` outcome stops normal handling; ``urgent``
and ``clinician`` outcomes carry advice the feature shows instead of, or beside, its own reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ui import Actor, Reply

# A crisis call the semantic layer made below this confidence is "unsure": that is where its false
# alarms sit. On the tuning cases its crisis calls on benign texts had confidences from 0.51 to
# 0.79 ("why am i so forgetful", a fog question, got the crisis reply at 0.60), against 0.51 to
# 0.98 for real crises. The crisis reply is never weakened there; features only add a way back for
# a member who was misread (``/faq`` a button to the answer found, a check-in a word about the note).
UNSURE_BELOW = 0.8


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
    def unsure(self) -> bool:
        """A semantic crisis call below ``UNSURE_BELOW`` about the member themselves (never a rule
        match, urgent advice, or someone else in danger)."""
        return (self.level == "crisis" and self.layer == "semantic" and not self.about_someone_else
                and self.confidence is not None and self.confidence < UNSURE_BELOW)

    @property
    def beside(self) -> bool:
        """A gentle note goes beside the normal answer and never replaces it."""
        return self.level == "gentle"


SafetyCheck = Callable[[Actor, str], Awaitable[SafetyOutcome | None]]
