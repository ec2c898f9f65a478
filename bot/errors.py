"""Domain errors: why a request was refused, as types, turned into kind replies in one place.

A service raises a :class:`SupportError` subclass when it will not do what was asked (not allowed,
not started, a value it cannot read). Nothing was changed when one is raised. The front ends never
build refusal text themselves: :func:`reply_for` is the one translation, used by
:func:`bot.frontend.respond` for commands, by :class:`bot.router.Router` for buttons and forms, and
by the command check. Tests assert the type; a few rendering tests pin the wording.
"""

from __future__ import annotations

from bot.ui import Reply


class SupportError(Exception):
    """A refusal the member can act on. ``text`` is what they read; subclasses set a default."""

    text = "Sorry, I can't do that. Nothing was changed."

    def __init__(self, text: str | None = None) -> None:
        if text is not None:
            self.text = text
        super().__init__(type(self).__name__)  # never the text: it may quote what a member typed


class NotAllowed(SupportError):
    """The actor lacks the permission this needs (see :mod:`bot.permissions`)."""

    text = "Sorry, you can't use that command here."


class InvalidInput(SupportError):
    """A value the member gave could not be used; the text says how to give it."""

    text = "I couldn't read that. Please check it and try again."


class NotFound(SupportError):
    """What the member asked about does not exist (any more)."""

    text = "I couldn't find that. Nothing was changed."


class Expired(SupportError):
    """A button or form that no longer works (old, hand-made, or from a removed feature)."""

    text = "That button has expired. Please run the command again."


def reply_for(error: SupportError) -> Reply:
    """The reply a member sees for a refusal: private, plain text, never pinging anyone."""
    return Reply.text(error.text)
