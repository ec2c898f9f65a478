"""Buttons and forms, routed by ``custom_id``.

Every component the bot sends has a ``custom_id`` of the form ``feature:action:arg…`` (at most 100
characters). Discord and the console both hand a pressed button or submitted form to
:meth:`Router.dispatch`, so a button works the same everywhere and keeps working after a restart
(nothing is held in memory between the message and the click).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.ui import CUSTOM_ID_MAX, Actor, Reply

ComponentHandler = Callable[[Actor, list[str], dict[str, str]], Awaitable[Reply]]

STALE = "That button has expired. Please run the command again."


class Router:
    def __init__(self) -> None:
        self._handlers: dict[str, ComponentHandler] = {}

    def add(self, feature: str, handler: ComponentHandler) -> None:
        if ":" in feature or feature in self._handlers:
            raise ValueError(f"bad or duplicate feature prefix {feature!r}")
        self._handlers[feature] = handler

    def owns(self, custom_id: str) -> bool:
        return custom_id.split(":", 1)[0] in self._handlers

    async def dispatch(self, actor: Actor, custom_id: str, values: dict[str, str] | None = None) -> Reply:
        if len(custom_id) > CUSTOM_ID_MAX:
            return Reply.text(STALE)
        feature, *args = custom_id.split(":")
        handler = self._handlers.get(feature)
        if handler is None:
            return Reply.text(STALE)
        return await handler(actor, args, values or {})
