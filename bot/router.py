"""Buttons and forms, routed by ``custom_id``.

Every component the bot sends has a ``custom_id`` of the form ``feature:action:arg…`` (at most 100
characters), built by one codec per kind (:mod:`bot.customid`). Discord and the console both hand a
pressed button or submitted form to :meth:`Router.dispatch`, so a button works the same everywhere
and keeps working after a restart (nothing is held in memory between the message and the click).
The router parses the id with the feature's own codecs and hands the feature a typed value; an id
no codec reads (hand-made, truncated, from an older version) gets the feature's kind "that button
has expired" reply, never an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.customid import Family
from bot.errors import SupportError, reply_for
from bot.safety import SafetyOutcome
from bot.ui import CUSTOM_ID_MAX, Actor, Reply

# Gets the value the feature's codec parsed (one of its kinds' dataclasses) and the form's fields.
ComponentHandler = Callable[[Actor, Any, dict[str, str]], Awaitable[Reply]]
Screen = Callable[[Actor, str], Awaitable[SafetyOutcome | None]]

STALE = "That button has expired. Please run the command again."
CONTENT_NOTE = (
    "A note, in case it's about more than the entry: your text mentions suicide or self-harm. "
    "If you're struggling yourself, `/help-now` has people to talk to, any time."
)


class Router:
    """Routes components; every form's text goes through the safety triage first.

    Members' forms stop at a crisis, like any other free text. Moderators' content forms
    (``content_forms``) are health content that may rightly discuss suicide (the crisis-line
    entries), so there a crisis only adds a gentle note to the reply.
    """

    def __init__(self, screen: Screen | None = None) -> None:
        self._handlers: dict[str, tuple[Family, ComponentHandler]] = {}
        self._content_forms: set[str] = set()
        self.screen = screen

    def add(self, family: Family, handler: ComponentHandler, *, content_forms: bool = False) -> None:
        """Route ``family``'s custom ids to ``handler``; one family per prefix."""
        if family.prefix in self._handlers:
            raise ValueError(f"duplicate custom-id prefix {family.prefix!r}")
        self._handlers[family.prefix] = (family, handler)
        if content_forms:
            self._content_forms.add(family.prefix)

    @property
    def families(self) -> list[Family]:
        """Every family routed here (the property tests walk them all)."""
        return [family for family, _ in self._handlers.values()]

    def owns(self, custom_id: str) -> bool:
        return custom_id.split(":", 1)[0] in self._handlers

    async def dispatch(self, actor: Actor, custom_id: str, values: dict[str, str] | None = None) -> Reply:
        if len(custom_id) > CUSTOM_ID_MAX:
            return Reply.text(STALE)
        feature = custom_id.split(":", 1)[0]
        routed = self._handlers.get(feature)
        if routed is None:
            return Reply.text(STALE)
        family, handler = routed
        outcome = None
        text = "\n".join(v for v in (values or {}).values() if v)
        if text and self.screen is not None:
            outcome = await self.screen(actor, text)
            if outcome is not None and feature not in self._content_forms:
                return outcome.reply  # crisis, red flag or a medicines question: care comes first
        pressed = family.parse(custom_id)
        if pressed is None:
            return Reply.text(family.expired)
        try:
            reply = await handler(actor, pressed, values or {})
        except SupportError as error:  # a refusal: nothing changed, the member reads why
            return reply_for(error)
        if outcome is not None and outcome.stops:
            reply.content = f"{reply.content}\n\n{CONTENT_NOTE}" if reply.content else CONTENT_NOTE
        return reply
