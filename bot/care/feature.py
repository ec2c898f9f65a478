"""The care feature: the safety triage every text passes, crisis lines, /help-now, /care, /setup."""

from __future__ import annotations

from collections.abc import Sequence

from discord.ext import commands

from bot.care.buttons import CARE_IDS
from bot.care.cog import CareCog, HelpNowCog
from bot.care.service import CareService
from bot.core import Core
from bot.faq.library import FaqLibrary
from bot.faq.service import FaqService
from bot.feature import Feature, Route
from bot.privacy import DataHolder
from bot.watch.commands import WatchCommands


class CareFeature(Feature):
    """Provides the core's safety screen (the triage) the moment it is built."""

    name = "care"

    def __init__(self, core: Core, library: FaqLibrary, faq: FaqService) -> None:
        self.core = core
        self.service = CareService(core, library, faq)
        self.watch: WatchCommands | None = None
        core.screen.use(self.service.screen)

    def connect_watch(self, watch: WatchCommands) -> None:
        """Channel watch's member commands live in the /care group, and /setup shows its state."""
        self.watch = watch
        self.service.setup_hooks.append(watch)

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """/help-now, /setup and the /care group."""
        if self.watch is None:
            raise RuntimeError("the care feature needs channel watch connected before its commands load")
        return [HelpNowCog(self.service), CareCog(self.service, self.watch)]

    def routes(self) -> Sequence[Route]:
        """The "tell the moderators" and care buttons (``care:``)."""
        return [Route(CARE_IDS, self.service.handle_button)]

    def member_data(self) -> Sequence[DataHolder]:
        """The member's country for crisis lines."""
        return [DataHolder("Crisis-line country", self.service.describe_region, self.service.regions.delete,
                           export=self._export_region)]

    async def _export_region(self, user_id: int) -> dict[str, str] | None:
        country = await self.service.regions.get(user_id)
        return {"country": country} if country else None
