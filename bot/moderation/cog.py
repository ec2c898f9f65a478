"""/faq-admin on Discord: a thin adapter over :class:`bot.moderation.service.ModerationService`.

Two locks on every command: ``default_permissions(manage_guild=True)`` hides the group from
members in the Discord client (a server admin may open it to the moderator role), and a real
check runs the same rule as the console and every button (moderator role or Manage Server).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import FriendlyCheckFailure
from bot.discord_render import actor_from
from bot.faq.models import Category
from bot.moderation.permissions import CHECK_NAME

if TYPE_CHECKING:
    from bot.client import SupportBot

T = TypeVar("T")


def moderator_only() -> Callable[[T], T]:
    """An ``app_commands.check``: a member without the right gets a kind, ephemeral refusal."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        refusal = await interaction.client.app.check(CHECK_NAME, actor_from(interaction))
        if refusal is not None:
            raise FriendlyCheckFailure(refusal)
        return True

    return app_commands.check(predicate)


def extras(handler: str, **complete: str) -> dict[str, Any]:
    return {"handler": f"moderation.{handler}", "check": CHECK_NAME, "complete": complete}


ID_HELP = "The entry's id (pick from the list as you type)"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ModerationCog(commands.GroupCog, group_name="faq-admin",
                    group_description="Moderators: keep the FAQ true, reviewed and complete"):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="propose", description="Propose a new FAQ entry (another moderator approves it)",
                          extras=extras("propose"))
    @app_commands.describe(category="Where the entry belongs (default: basics)")
    @moderator_only()
    async def propose(self, interaction: discord.Interaction, category: Category = "basics") -> None:
        await self.bot.run_handler(interaction, category=category)

    @app_commands.command(name="edit", description="Propose a change to an FAQ entry (opens it pre-filled)",
                          extras=extras("edit", id="moderation.entries"))
    @app_commands.describe(id=ID_HELP, category="Move the entry to another category")
    @moderator_only()
    async def edit(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100],
                   category: Category | None = None) -> None:
        await self.bot.run_handler(interaction, id=id, category=category)

    @app_commands.command(name="review", description="Drafts waiting for review, with what they change",
                          extras=extras("review"))
    @app_commands.describe(revision="Show one draft in full by its number")
    @moderator_only()
    async def review(self, interaction: discord.Interaction,
                     revision: app_commands.Range[int, 1] | None = None) -> None:
        await self.bot.run_handler(interaction, revision=revision)

    @app_commands.command(name="approve", description="Publish a draft written by another moderator",
                          extras=extras("approve", id="moderation.pending"))
    @app_commands.describe(id="The entry id (or draft number) waiting for review",
                           reviewed="I also checked its text and sources: count this as signing it off")
    @moderator_only()
    async def approve(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100],
                      reviewed: bool = False) -> None:
        await self.bot.run_handler(interaction, id=id, reviewed=reviewed)

    @app_commands.command(name="reject", description="Close a draft with a reason (it stays in the history)",
                          extras=extras("reject", id="moderation.pending"))
    @app_commands.describe(id="The entry id (or draft number) waiting for review",
                           reason="What should change; kept in the history and posted to the audit channel")
    @moderator_only()
    async def reject(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100],
                     reason: app_commands.Range[str, 3, 500]) -> None:
        await self.bot.run_handler(interaction, id=id, reason=reason)

    @app_commands.command(name="retire", description="Stop serving an entry now (bringing it back needs approval)",
                          extras=extras("retire", id="moderation.live"))
    @app_commands.describe(id=ID_HELP, reason="Why it is taken away; kept in the history")
    @moderator_only()
    async def retire(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100],
                     reason: app_commands.Range[str, 3, 500]) -> None:
        await self.bot.run_handler(interaction, id=id, reason=reason)

    @app_commands.command(name="history", description="Every change to an entry: who proposed, who approved, when",
                          extras=extras("history", id="moderation.entries"))
    @app_commands.describe(id=ID_HELP)
    @moderator_only()
    async def history(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100]) -> None:
        await self.bot.run_handler(interaction, id=id)

    @app_commands.command(name="reload", description="Re-read the content files (keeps the last good set on errors)",
                          extras=extras("reload"))
    @moderator_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="gaps", description="Questions the FAQ could not answer, and unhelpful answers",
                          extras=extras("gaps"))
    @app_commands.describe(days="How many days back to look (default 30)")
    @moderator_only()
    async def gaps(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        await self.bot.run_handler(interaction, days=days)

    @app_commands.command(name="stats", description="Answers served, top entries and the no-match rate",
                          extras=extras("stats"))
    @app_commands.describe(days="How many days back to count (default 30)")
    @moderator_only()
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        await self.bot.run_handler(interaction, days=days)

    @app_commands.command(name="due", description="Entries whose review is overdue or due within 30 days",
                          extras=extras("due"))
    @moderator_only()
    async def due(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="sign-off", description="Mark an entry as reviewed by this server's moderators",
                          extras=extras("sign_off", id="moderation.live"))
    @app_commands.describe(id=ID_HELP)
    @moderator_only()
    async def sign_off(self, interaction: discord.Interaction, id: app_commands.Range[str, 1, 100]) -> None:
        await self.bot.run_handler(interaction, id=id)

    @app_commands.command(name="review-due", description="Walk through every entry not yet reviewed here, one by one",
                          extras=extras("review_due"))
    @moderator_only()
    async def review_due(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="status", description="This server's entries, review states and command visibility",
                          extras=extras("status"))
    @moderator_only()
    async def status(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="alias", description="Add an unanswered question as another way to ask an entry",
                          extras=extras("alias", question="moderation.gaps", entry="moderation.live"))
    @app_commands.describe(question="A question from /faq-admin gaps (pick from the list)",
                           entry="The entry that answers it")
    @moderator_only()
    async def alias(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 100],
                    entry: app_commands.Range[str, 1, 100]) -> None:
        await self.bot.run_handler(interaction, question=question, entry=entry)

    @alias.autocomplete("question")
    async def gap_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "question", current)

    @alias.autocomplete("entry")
    async def entry_autocomplete(self, interaction: discord.Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "entry", current)

    @sign_off.autocomplete("id")
    @edit.autocomplete("id")
    @history.autocomplete("id")
    @approve.autocomplete("id")
    @reject.autocomplete("id")
    @retire.autocomplete("id")
    async def id_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "id", current)


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(ModerationCog(bot))
