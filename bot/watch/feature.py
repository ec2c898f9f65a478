"""The channel-watch feature: /safety-watch, AutoMod and message events, alerts and outreach."""

from __future__ import annotations

from collections.abc import Sequence

from discord.ext import commands

from bot.care.service import CareService
from bot.core import Core
from bot.feature import Feature, Route
from bot.privacy import DataHolder
from bot.watch.buttons import WATCH_IDS
from bot.watch.cog import WatchCog
from bot.watch.commands import WatchCommands
from bot.watch.service import WatchService


class WatchFeature(Feature):
    """Notices crisis where members post and gets a moderator to them; its workers live in the cog."""

    name = "watch"

    def __init__(self, core: Core, care: CareService) -> None:
        self.core = core
        self.service = WatchService(core, care)
        self.commands = WatchCommands(self.service)

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """The /safety-watch group and the event listeners."""
        return [WatchCog(bot, self.core, self.service, self.commands)]

    def routes(self) -> Sequence[Route]:
        """Alert-card buttons (``watch:``)."""
        return [Route(WATCH_IDS, self.service.handle_button)]

    async def start(self) -> None:
        """Read the crisis rules and message mode's channels."""
        await self.service.start()

    def member_data(self) -> Sequence[DataHolder]:
        """Alerts about the member, and their choice not to get outreach messages."""
        return [DataHolder("Channel watch", self.commands.describe_member, self.service.store.delete_member,
                           export=self.service.store.export_member)]
