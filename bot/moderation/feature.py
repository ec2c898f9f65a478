"""The moderation feature: /faq-admin, its buttons and forms, audit posts and the weekly digest."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from discord.ext import commands

from bot.care.service import CareService
from bot.core import Core
from bot.faq.feature import FaqFeature
from bot.feature import Feature, Job, Route
from bot.moderation.buttons import MODERATION_IDS
from bot.moderation.cog import ModerationCog
from bot.moderation.service import ModerationService

log = logging.getLogger(__name__)

DIGEST_CHECK_SECONDS = 3600.0  # the weekly digest's time is claimed in the database


class ModerationFeature(Feature):
    """Moderators keep the FAQ true; starts after the FAQ feature (it overrides loaded files)."""

    name = "moderation"

    def __init__(self, core: Core, faq: FaqFeature, care: CareService) -> None:
        self.faq = faq
        self.service = ModerationService(core, faq.library, faq.store, care)

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """The /faq-admin group."""
        return [ModerationCog(self.service)]

    def routes(self) -> Sequence[Route]:
        """Review buttons and proposal forms (``mod:``); the forms carry health content."""
        return [Route(MODERATION_IDS, self.service.handle_component, content_forms=True)]

    def jobs(self) -> Sequence[Job]:
        """The start-up content problems once, then the weekly digest check every hour."""
        return [Job("startup problems", self.service.post_startup_problems_quietly, once_per_bot=True),
                Job("digests", self.service.send_due_digests_job, every=DIGEST_CHECK_SECONDS)]

    async def start(self) -> None:
        """Serve published revisions over the files the FAQ feature just loaded."""
        self.service.startup_problems = self.faq.problems
        await self.service.start()
