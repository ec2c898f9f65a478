"""The small core every feature is built from: shared dependencies, passed explicitly.

A feature's constructor takes a :class:`Core` (and, where it needs one, another feature's service)
instead of the whole application, so no feature imports :mod:`bot.app` and the wiring is written
down in one place (``SupportApp.__init__``) rather than hidden in install functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.crypto import Keyring
from bot.db import Database
from bot.guilds import GuildSettingsStore
from bot.logfilter import remember_member_text
from bot.notify import Outbox
from bot.safety import SafetyCheck, SafetyOutcome
from bot.ui import Actor


class SafetyScreen:
    """The one gate every free text passes before anything else (``/faq`` questions, check-in
    notes, form fields, watched messages).

    The care feature provides the triage (:meth:`use`) when it is built; features that only hold
    this object never depend on the build order, because the check is looked up on every call.
    """

    def __init__(self) -> None:
        self._check: SafetyCheck | None = None

    def use(self, check: SafetyCheck) -> None:
        """Install the triage that screens every text (the care feature does this once)."""
        self._check = check

    @property
    def installed(self) -> bool:
        """Whether a triage is in place (an app without the care feature has none)."""
        return self._check is not None

    async def __call__(self, actor: Actor, text: str) -> SafetyOutcome | None:
        """Screen one text; None means nothing to flag."""
        if not text.strip():
            return None
        remember_member_text(text)  # from here on, no log record may carry these words
        if self._check is None:
            return None
        return await self._check(actor, text)


@dataclass(slots=True, eq=False)
class Core:
    """What every feature shares. Built once by :meth:`bot.app.SupportApp.open` (``main()``).

    ``outbox`` is where bot-initiated messages go: the in-memory base until a front end (the
    Discord client or the console) hands in its own with :meth:`use_outbox`; features read it
    at the moment they send, so they never hold a stale one.
    """

    settings: Settings
    db: Database
    clock: Clock
    keyring: Keyring
    guilds: GuildSettingsStore
    outbox: Outbox = field(default_factory=Outbox)
    screen: SafetyScreen = field(default_factory=SafetyScreen)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("bot"))

    def use_outbox(self, outbox: Outbox) -> None:
        """Deliver bot-initiated messages through ``outbox`` from now on."""
        self.outbox = outbox
