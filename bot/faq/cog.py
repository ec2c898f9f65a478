"""/faq on Discord: the command calls :meth:`bot.faq.service.FaqService.ask` directly."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.faq.service import FaqService
from bot.frontend import Invocation, respond, suggest


class FaqCog(commands.Cog):
    """/faq and its question autocomplete."""

    def __init__(self, faq: FaqService) -> None:
        self.faq = faq

    @app_commands.command(name="faq", description="Find the moderators' vetted answer to a health question")
    @app_commands.describe(
        question="Type your question in your own words, or pick one from the list",
        private="true: only you see it. Unset: private for medicine or personal health questions",
    )
    async def faq_command(
        self, interaction: Invocation, question: app_commands.Range[str, 1, 500],
        private: bool | None = None,
    ) -> None:
        """Answer a health question from the vetted FAQ."""
        await respond(interaction, self.faq.ask, question=question, private=private)

    @faq_command.autocomplete("question")
    async def faq_autocomplete(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Entries whose question matches what the member has typed so far."""
        return await suggest(interaction, self.faq.complete, current)
