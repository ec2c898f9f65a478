"""The application: the core and the list of features, wired once, used by Discord and the console.

``SupportApp`` builds the :class:`~bot.core.Core` (database, clock, settings, guild settings,
outbox, safety screen, logger) and then every :class:`~bot.feature.Feature`, passing each one the
core and exactly the other services it uses. The Discord client and the local console both walk
:attr:`SupportApp.features`: their cogs (slash commands calling typed handlers), their button
routes, their jobs. Nothing in a feature imports this module.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from bot.care.feature import CareFeature
from bot.care.service import CareService
from bot.checkins.feature import CheckinFeature
from bot.checkins.service import CheckinService
from bot.clock import Clock
from bot.config import Settings
from bot.core import Core
from bot.crypto import Keyring
from bot.db import Database, DatabaseError, latest_version
from bot.faq.feature import FaqFeature
from bot.faq.library import FaqLibrary
from bot.faq.sensitive import MedicineWords
from bot.faq.service import FaqService
from bot.faq.store import FaqStore
from bot.feature import Feature
from bot.guilds import GuildSettingsStore
from bot.keys import KeyStore, RunLock, create_key_file, open_keyring
from bot.moderation.feature import ModerationFeature
from bot.moderation.service import ModerationService
from bot.mydata.feature import MyDataFeature
from bot.notify import Outbox
from bot.privacy import MemberFiles, PrivacyService
from bot.problems import Problem
from bot.retention import RetentionJob
from bot.router import Router
from bot.safety import SafetyOutcome
from bot.ui import Actor
from bot.watch.commands import WatchCommands
from bot.watch.feature import WatchFeature
from bot.watch.service import WatchService

log = logging.getLogger(__name__)


class SupportApp:
    """The core, the features in start order, and the router over all their buttons and forms."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, keyring: Keyring) -> None:
        self.core = Core(settings=settings, db=db, clock=clock, keyring=keyring,
                         guilds=GuildSettingsStore(db, clock))
        self.keystore = KeyStore(db, clock, keyring)
        self.run_lock: RunLock | None = None
        self.pending_key: list[tuple[Path, str]] = []
        self.started = False
        self._closing: asyncio.Future[None] | None = None
        core = self.core
        # Files the bot writes for a member on this machine (the console's charts and exports).
        self.member_files = MemberFiles(self._data_folder() / "console")
        self.faq_feature = FaqFeature(core, self.keystore)
        self.checkins_feature = CheckinFeature(core, self.member_files)
        self.care_feature = CareFeature(core, self.faq_feature.library, self.faq_feature.service)
        self.mydata_feature = MyDataFeature(core, lambda: self.features, self.member_files,
                                            self.checkins_feature.service.store, self.faq_feature.store)
        self.moderation_feature = ModerationFeature(core, self.faq_feature, self.care_feature.service)
        self.watch_feature = WatchFeature(core, self.care_feature.service)
        self.care_feature.connect_watch(self.watch_feature.commands)
        # The app is this list: start order, /mydata order, command order.
        self.features: list[Feature] = [
            self.faq_feature, self.checkins_feature, self.care_feature, self.mydata_feature,
            self.moderation_feature, self.watch_feature,
        ]
        self.router = Router(core.screen)
        for feature in self.features:
            for route in feature.routes():
                self.router.add(route.ids, route.handler, content_forms=route.content_forms)
        self.medicines = MedicineWords([])  # loaded with the content in start()

    # -- the services, by name, for front ends and tests ---------------------------------------

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def db(self) -> Database:
        return self.core.db

    @property
    def clock(self) -> Clock:
        return self.core.clock

    @property
    def keyring(self) -> Keyring:
        return self.core.keyring

    @property
    def guilds(self) -> GuildSettingsStore:
        return self.core.guilds

    @property
    def outbox(self) -> Outbox:
        """Where bot-initiated messages go now (a front end replaces it with its own)."""
        return self.core.outbox

    @outbox.setter
    def outbox(self, outbox: Outbox) -> None:
        self.core.use_outbox(outbox)

    @property
    def library(self) -> FaqLibrary:
        return self.faq_feature.library

    @property
    def faq(self) -> FaqService:
        return self.faq_feature.service

    @property
    def faq_store(self) -> FaqStore:
        return self.faq_feature.store

    @property
    def checkins(self) -> CheckinService:
        return self.checkins_feature.service

    @property
    def care(self) -> CareService:
        return self.care_feature.service

    @property
    def privacy(self) -> PrivacyService:
        return self.mydata_feature.service

    @property
    def retention(self) -> RetentionJob:
        return self.mydata_feature.retention

    @property
    def moderation(self) -> ModerationService:
        return self.moderation_feature.service

    @property
    def watch(self) -> WatchService:
        return self.watch_feature.service

    @property
    def watch_commands(self) -> WatchCommands:
        return self.watch_feature.commands

    @property
    def startup_problems(self) -> list[Problem]:
        """FAQ files that failed to load at start-up (posted to audit channels once ready)."""
        return self.faq_feature.problems

    def _data_folder(self) -> Path:
        path = Path(self.core.settings.database_path)
        return Path("data") if str(path) == ":memory:" else path.parent

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
        """Migrate the database, then start every feature in list order; safe to call twice."""
        if self.started:
            return
        # First, before touching the database: no safety set, no bot (raises SafetyLoadError).
        self.care.load(strict=True)
        for path, key in self.pending_key:  # a new database's key file, once nothing else refuses
            create_key_file(path, key)
        self.pending_key = []
        await self.core.db.migrate()
        await self.keystore.ensure_check()
        await self.keystore.voter_salt()
        triager = self.care.triager
        self.medicines = MedicineWords.load(self.core.settings.content_dir, triager.normalize if triager else None)
        self.faq.is_sensitive = self._health_question
        for feature in self.features:
            await feature.start()
        report = self.faq_feature.report
        log.info("content loaded: %d published entries, %d problem(s)", report.entries if report else 0,
                 len(self.startup_problems))
        self.started = True

    async def start_reading(self) -> None:
        """Load what answering ``/faq`` needs, writing nothing to the database (``supportbot
        ask``): the safety set, the content files, and the revisions and sign-offs this database
        serves. An in-memory database is migrated first (it holds nothing to read); a file must
        already be at this version's schema, since migrating is the bot's job."""
        self.care.load(strict=True)  # no safety set, no answers (raises SafetyLoadError)
        db = self.core.db
        if db.path == ":memory:":
            await db.migrate()
        elif (current := await db.version()) != latest_version():
            raise DatabaseError(f"the database at {db.path} is at schema version {current}, not "
                                f"{latest_version()}; start the bot once on it (it migrates), then ask again.")
        triager = self.care.triager
        self.medicines = MedicineWords.load(self.core.settings.content_dir, triager.normalize if triager else None)
        self.faq.is_sensitive = self._health_question
        await self.faq_feature.start()  # the content files
        await self.moderation_feature.start()  # published revisions, retirements and sign-offs

    def _health_question(self, question: str) -> bool:
        """A medicine mentioned: answer privately by default. (Questions in the triage's clinician
        tier never reach here: the screen answers them with private advice, and a gentle note
        makes the whole answer private.) No second triage pass, so no second model call."""
        return self.medicines.mentions(question)

    async def screen(self, actor: Actor, text: str) -> SafetyOutcome | None:
        """Run the safety triage over any free text a member sent (None: nothing to flag)."""
        return await self.core.screen(actor, text)

    def feature(self, name: str) -> Feature:
        """The feature called ``name`` (for front ends that list or test one)."""
        for feature in self.features:
            if feature.name == name:
                return feature
        raise LookupError(f"no feature named {name!r}")

    def add_feature(self, feature: Feature) -> None:
        """Add a feature before the front end loads its commands (its routes join the router)."""
        self.features.append(feature)
        for route in feature.routes():
            self.router.add(route.ids, route.handler, content_forms=route.content_forms)

    async def close(self) -> None:
        """Flush and close the database. Callers racing to close (a signal handler and the
        client's own shutdown) all wait for the same close, so none returns early."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        for feature in reversed(self.features):
            try:
                await feature.stop()
            except Exception:
                log.exception("feature %s could not write its last data", feature.name)
        await self.core.db.close()
        if self.run_lock is not None:
            self.run_lock.release()


__all__: Sequence[str] = ["SupportApp"]
