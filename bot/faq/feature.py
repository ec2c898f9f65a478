"""The FAQ feature: the content library, /faq, its buttons and the member's answer ratings."""

from __future__ import annotations

from collections.abc import Sequence

from discord.ext import commands

from bot.core import Core
from bot.faq.buttons import FAQ_IDS
from bot.faq.cog import FaqCog
from bot.faq.library import FaqLibrary, ReloadReport
from bot.faq.service import FaqService
from bot.faq.store import FaqStore
from bot.feature import Feature, Route
from bot.keys import KeyStore
from bot.privacy import DataHolder
from bot.problems import Problem


class FaqFeature(Feature):
    """Owns the loaded FAQ content; other features read it through :attr:`library`."""

    name = "faq"

    def __init__(self, core: Core, keystore: KeyStore) -> None:
        self.core = core
        self.library = FaqLibrary(core.settings.content_dir, core.settings.home_guild_id)
        self.store = FaqStore(core.db, core.clock, keystore.voter_salt, core.keyring)
        self.service = FaqService(self.library, self.store, core.screen)
        self.report: ReloadReport | None = None

    @property
    def problems(self) -> list[Problem]:
        """FAQ files that failed to load at start-up (posted to audit channels once ready)."""
        return self.report.errors if self.report is not None else []

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        return [FaqCog(self.service)]

    def routes(self) -> Sequence[Route]:
        return [Route(FAQ_IDS, self.service.handle_button)]

    async def start(self) -> None:
        """Load the content files (a file with errors is skipped and reported, never served)."""
        self.report = self.library.load()

    async def stop(self) -> None:
        """Write the last buffered answer statistics."""
        await self.store.drain()

    def member_data(self) -> Sequence[DataHolder]:
        return [DataHolder("FAQ feedback", self._describe_votes, self.store.delete_votes_by,
                           export=self.store.votes_export)]

    async def _describe_votes(self, user_id: int) -> str | None:
        votes = await self.store.votes_by(user_id)
        return f"{votes} answer rating(s), stored under a one-way code, not your id." if votes else None
