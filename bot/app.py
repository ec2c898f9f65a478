"""The application: every feature's services, wired once, used by Discord and the console alike.

``SupportApp`` owns the database and the loaded content. The Discord client and the local console
are two front ends over the same app: a slash command names its handler (``extras["handler"]``),
both front ends call that handler with an :class:`~bot.ui.Actor` and plain arguments, and both
render the :class:`~bot.ui.Reply` it returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.care.service import CareService
from bot.checkins.retention import describe as describe_retention
from bot.checkins.retention import set_retention
from bot.checkins.service import CheckinService, csv_file
from bot.clock import Clock
from bot.config import Settings
from bot.crypto import Keyring
from bot.db import Database
from bot.faq.library import FaqLibrary
from bot.faq.sensitive import MedicineWords
from bot.faq.service import FaqService
from bot.faq.store import FaqStore
from bot.guilds import GuildSettingsStore
from bot.keys import KeyStore, RunLock, create_key_file, open_keyring
from bot.logfilter import remember_member_text
from bot.moderation.service import ModerationService
from bot.moderation.service import install as install_moderation
from bot.notify import Outbox
from bot.privacy import DataHolder, MemberFiles, PrivacyService
from bot.problems import Problem
from bot.retention import RetentionJob
from bot.router import Router
from bot.safety import SafetyCheck, SafetyOutcome
from bot.ui import Actor, Attachment, Choice, Reply
from bot.watch.commands import WatchCommands
from bot.watch.commands import install as install_watch

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[Reply]]
Completer = Callable[[Actor, str], Awaitable[list[Choice]]]
Check = Callable[[Actor], Awaitable[str | None]]  # returns a kind refusal, or None to allow


class SupportApp:
    def __init__(self, settings: Settings, db: Database, clock: Clock, keyring: Keyring) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.keyring = keyring
        self.keystore = KeyStore(db, clock, keyring)
        self.run_lock: RunLock | None = None
        self.pending_key: list[tuple[Path, str]] = []
        self.router = Router(self.screen)
        self.started = False
        self.startup_problems: list[Problem] = []
        self._closing: asyncio.Future[None] | None = None
        self.handlers: dict[str, Handler] = {}
        self.completers: dict[str, Completer] = {}
        self.checks: dict[str, Check] = {}
        self.outbox: Outbox = Outbox()  # the Discord client or the console replaces it
        self.guilds = GuildSettingsStore(db, clock)
        self.library = FaqLibrary(settings.content_dir, settings.home_guild_id)
        self.faq_store = FaqStore(db, clock, self.keystore.voter_salt, keyring)
        self.safety: SafetyCheck | None = None  # installed by the care feature
        self.faq = FaqService(self.library, self.faq_store, self.screen)
        self.register("faq.ask", self.faq.ask)
        self.completers["faq.autocomplete"] = self.faq.complete
        self.router.add("faq", self.faq.handle_button)
        self.privacy = PrivacyService(db.scrub, settings.question_retention_days)
        self.privacy.today = lambda: self.clock.now().date().isoformat()
        self.register("privacy.mydata", self.privacy.mydata)
        self.router.add("mydata", self.privacy.handle_button)
        self.privacy.add(DataHolder("FAQ feedback", self._describe_votes, self.faq_store.delete_votes_by,
                                    export=self.faq_store.votes_export))
        self.checkins = CheckinService(self)
        self._install_checkins()
        self.care = CareService(self)
        self._install_care()
        # Files the bot writes for a member on this machine (the console's charts and exports).
        self.member_files = MemberFiles(self._data_folder() / "console")
        self.privacy.add(DataHolder("Saved files", self.member_files.describe, self.member_files.delete,
                                    export=self.member_files.export))
        self.retention = RetentionJob(self)
        self.medicines = MedicineWords([])  # loaded with the content in start()
        self.moderation: ModerationService = install_moderation(self)
        self.watch_commands: WatchCommands | None = None
        self.watch = install_watch(self)

    def _install_care(self) -> None:
        c = self.care
        self.safety = c.screen
        for name, handler in {"care.help_now": c.help_now, "care.guide": c.care, "care.region": c.set_region,
                              "care.setup": c.setup}.items():
            self.register(name, handler)
        self.completers["care.countries"] = c.complete_country
        self.checks["care.admin"] = c.admin_check
        self.router.add("care", c.handle_button)
        self.privacy.add(DataHolder("Crisis-line country", c.describe_region, c.regions.delete,
                                    export=self._export_region))

    def _install_checkins(self) -> None:
        c = self.checkins
        for name, handler in {
            "checkins.start": c.start, "checkins.log": c.log_checkin, "checkins.stats": c.stats,
            "checkins.export": c.export, "checkins.pause": c.pause, "checkins.resume": c.resume,
            "checkins.reminders": c.set_reminders, "checkins.stop": c.stop,
        }.items():
            self.register(name, handler)
        self.completers["checkins.zones"] = c.complete_zone
        self.completers["checkins.days"] = c.complete_day
        self.router.add("ci", c.handle_button)
        self.privacy.add(DataHolder("Check-ins", self._describe_checkins, c.store.delete_member,
                                    export=c.store.export_rows, files=self._checkin_files))
        self.privacy.retention = lambda actor, keep: set_retention(c.store, actor, keep)

    def _data_folder(self) -> Path:
        path = Path(self.settings.database_path)
        return Path("data") if str(path) == ":memory:" else path.parent

    async def _export_region(self, user_id: int) -> dict[str, str] | None:
        country = await self.care.regions.get(user_id)
        return {"country": country} if country else None

    async def _checkin_files(self, user_id: int) -> list[Attachment]:
        rows = await self.checkins.store.checkins(user_id)
        if not rows:
            return []
        return [csv_file(rows, self.clock.now().date())]

    async def _describe_votes(self, user_id: int) -> str | None:
        votes = await self.faq_store.votes_by(user_id)
        return f"{votes} answer rating(s), stored under a one-way code, not your id." if votes else None

    async def _describe_checkins(self, user_id: int) -> str | None:
        member = await self.checkins.store.member(user_id)
        if member is None:
            return None
        count = await self.checkins.store.count(user_id)
        state = "on" if member.active else "stopped"
        reminder = f"reminders at {member.reminder_time}" if member.reminder_time else "no reminders"
        kept = describe_retention(member.retention_days)
        return (f"Check-ins {state}: {count} check-in(s), time zone {member.timezone}, {reminder}. "
                f"Kept {kept} (`/mydata action:retention` changes it); notes are stored encrypted.")

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None, start: bool = True) -> SupportApp:
        """Open the database; with ``start`` also migrate it and load content (the console and
        CLI do; the Discord client leaves that to its ``setup_hook``)."""
        lock = RunLock(settings.database_path)
        lock.share()  # `supportbot keys rotate` waits for no one: it refuses while this is held
        try:
            db = await Database.open(settings.database, migrate=False)
        except BaseException:
            lock.release()
            raise
        try:
            pending: list[tuple[Path, str]] = []
            keyring = await open_keyring(settings, db, defer=pending)  # a missing or wrong key stops here
        except BaseException:
            await db.close()
            lock.release()
            raise
        app = cls(settings, db, clock or Clock(), keyring)
        app.run_lock = lock
        app.pending_key = pending
        if start:
            try:
                await app.start()
            except BaseException:
                await app.close()
                raise
        return app

    async def start(self) -> None:
        """Migrate the database and load content; safe to call twice."""
        if self.started:
            return
        # First, before touching the database: no safety set, no bot (raises SafetyLoadError).
        self.care.load(strict=True)
        for path, key in self.pending_key:  # a new database's key file, once nothing else refuses
            create_key_file(path, key)
        self.pending_key = []
        await self.db.migrate()
        await self.keystore.ensure_check()
        if await self.checkins.store.encrypt_plaintext():
            log.info("check-in notes from an older version are now stored encrypted")
            await self.db.scrub()
        await self.keystore.voter_salt()
        await self.retention.minimise_old_questions()
        await self.retention.run(self.clock.now())
        triager = self.care.triager
        self.medicines = MedicineWords.load(self.settings.content_dir, triager.normalize if triager else None)
        self.faq.is_sensitive = self._health_question
        report = self.library.load()
        self.startup_problems = report.errors  # FAQ files that failed: posted to audit channels once ready
        await self.moderation.start()  # after the files: published revisions override them
        await self.watch.start()
        log.info("content loaded: %d published entries, %d problem(s)", report.entries, len(report.errors))
        self.started = True

    def _health_question(self, question: str) -> bool:
        """A medicine mentioned: answer privately by default. (Questions in the triage's clinician
        tier never reach here: the screen answers them with private advice, and a gentle note
        makes the whole answer private.) No second triage pass, so no second model call."""
        return self.medicines.mentions(question)

    async def screen(self, actor: Actor, text: str) -> SafetyOutcome | None:
        """Run the safety triage over any free text a member sent (None: nothing to flag)."""
        if not text.strip():
            return None
        remember_member_text(text)  # from here on, no log record may carry these words
        if self.safety is None:
            return None
        return await self.safety(actor, text)

    def register(self, name: str, handler: Handler) -> None:
        if name in self.handlers:
            raise ValueError(f"handler {name!r} registered twice")
        self.handlers[name] = handler

    def handler(self, name: str) -> Handler:
        try:
            return self.handlers[name]
        except KeyError:
            raise LookupError(f"no handler named {name!r}") from None

    async def call(self, name: str, actor: Actor, **kwargs: Any) -> Reply:
        return await self.handler(name)(actor, **kwargs)

    async def complete(self, name: str, actor: Actor, text: str) -> list[Choice]:
        return await self.completers[name](actor, text)

    async def check(self, name: str, actor: Actor) -> str | None:
        """Run a named permission check; the refusal text, or None when allowed."""
        return await self.checks[name](actor)

    async def close(self) -> None:
        """Flush and close the database. Callers racing to close (a signal handler and the
        client's own shutdown) all wait for the same close, so none returns early."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        try:
            await self.faq_store.drain()
        except Exception:
            log.exception("could not write the last FAQ statistics")
        try:
            await self.checkins.store.drain()
        except Exception:
            log.exception("could not write the last check-ins")
        await self.db.close()
        if self.run_lock is not None:
            self.run_lock.release()
