"""/faq on Discord: a thin adapter over :class:`bot.faq.service.FaqService`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SupportBot


class FaqCog(commands.Cog):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot

    @app_commands.command(name="faq", description="Find the moderators' vetted answer to a health question",
                          extras={"handler": "faq.ask", "complete": {"question": "faq.autocomplete"}})
    @app_commands.describe(
        question="Type your question in your own words, or pick one from the list",
        private="true: only you see it. Unset: private for medicine or personal health questions",
    )
    async def faq(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500],
        private: bool | None = None,
    ) -> None:
        await self.bot.run_handler(interaction, question=question, private=private)

    @faq.autocomplete("question")
    async def faq_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "question", current)


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(FaqCog(bot))
