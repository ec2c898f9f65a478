"""A screen that answers with the real care service's crisis outcome, its layer and confidence set
per test: the /faq and check-in tests of the unsure band (``bot.safety.UNSURE_BELOW``) share it."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from bot.app import SupportApp
from bot.safety import SafetyOutcome
from bot.ui import Actor


async def crisis_outcome(app: SupportApp, actor: Actor, **changes: object) -> SafetyOutcome:
    """The real reply to a rule-matched crisis text, with ``changes`` applied."""
    outcome = await app.care.screen(actor, "i want to kill myself")
    assert outcome is not None and outcome.level == "crisis" and outcome.layer == "rule"
    return dataclasses.replace(outcome, **changes)


def screen_with(outcome: SafetyOutcome, text: str | None = None) -> Callable[[Actor, str], Awaitable[SafetyOutcome]]:
    """A screen that always gives ``outcome`` (and checks it was asked about ``text``, if given)."""
    async def screen(actor: Actor, screened: str) -> SafetyOutcome:
        assert text is None or screened == text
        return outcome
    return screen
