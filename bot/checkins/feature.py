"""The check-ins feature: /checkin, its buttons, reminder DMs and the member's check-ins."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from discord.ext import commands

from bot.checkins.buttons import CHECKIN_IDS
from bot.checkins.cog import CheckinCog
from bot.checkins.models import plural
from bot.checkins.retention import describe as describe_retention
from bot.checkins.service import CheckinService, csv_file
from bot.checkins.timezones import local_day
from bot.core import Core
from bot.feature import Feature, Job, Route
from bot.privacy import DataHolder, MemberFiles
from bot.ui import Attachment

log = logging.getLogger(__name__)


class CheckinFeature(Feature):
    """Private daily check-ins; only the member ever sees them."""

    name = "checkins"

    def __init__(self, core: Core, member_files: MemberFiles) -> None:
        self.core = core
        self.service = CheckinService(core, member_files)

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """/checkin and its subcommands."""
        return [CheckinCog(self.service)]

    def routes(self) -> Sequence[Route]:
        """Consent, reminder and check-in buttons (``ci:``)."""
        return [Route(CHECKIN_IDS, self.service.handle_button)]

    def jobs(self) -> Sequence[Job]:
        """Due reminder DMs, every ``REMINDER_SCAN_SECONDS`` (half a minute by default), in every process:
        the rows are claimed in the database, so processes share them."""
        return [Job("reminders", self.scan_reminders, every=self.core.settings.reminder_scan_seconds)]

    async def scan_reminders(self) -> None:
        """Send the reminders that are due now."""
        result = await self.service.reminders.scan(self.core.clock.now())
        if result.sent or result.dms_closed:
            log.info("reminders: %d sent, %d skipped, %d with DMs closed", result.sent, result.skipped,
                     result.dms_closed)

    async def start(self) -> None:
        """Encrypt notes an older version stored in plain text."""
        if await self.service.store.encrypt_plaintext():
            log.info("check-in notes from an older version are now stored encrypted")
            await self.core.db.scrub()

    async def stop(self) -> None:
        """Write the last acknowledged check-ins."""
        await self.service.store.drain()

    def member_data(self) -> Sequence[DataHolder]:
        """The member's check-ins, their settings, and the CSV in their export."""
        store = self.service.store
        return [DataHolder("Check-ins", self._describe, store.delete_member, export=store.export_rows,
                           files=self._files)]

    async def _files(self, user_id: int) -> list[Attachment]:
        store = self.service.store
        rows = await store.checkins(user_id)
        if not rows:
            return []
        member = await store.member(user_id)  # named for the member's own day, as /checkin export does
        now = self.core.clock.now()
        return [csv_file(rows, local_day(member.timezone, now) if member else now.date())]

    async def _describe(self, user_id: int) -> str | None:
        store = self.service.store
        member = await store.member(user_id)
        if member is None:
            return None
        count = await store.count(user_id)
        state = "on" if member.active else "stopped"
        reminder = f"reminders at {member.reminder_time}" if member.reminder_time else "no reminders"
        kept = describe_retention(member.retention_days)
        return (f"Check-ins {state}: {plural(count, 'check-in')}, time zone {member.timezone}, {reminder}. "
                f"Kept {kept} (`/mydata action:retention` changes it); notes are stored encrypted.")
