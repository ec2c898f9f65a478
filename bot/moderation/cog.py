"""/faq-admin on Discord: each command calls its handler on the moderation service directly.

Two locks on every command: ``default_permissions(manage_guild=True)`` hides the group from
members in the Discord client (a server admin may open it to the moderator role), and a real
check (:func:`bot.frontend.require` with :func:`bot.permissions.moderators`) runs the same rule
on Discord, in the console and behind every button (moderator role or Manage Server).
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.faq.models import Category
from bot.frontend import Invocation, require, respond, suggest
from bot.moderation.service import ModerationService
from bot.permissions import moderators

ID_HELP = "The entry's id (pick from the list as you type)"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ModerationCog(commands.GroupCog, group_name="faq-admin",
                    group_description="Moderators: keep the FAQ true, reviewed and complete"):
    """Every /faq-admin subcommand; the service checks the rule again for buttons and forms."""

    def __init__(self, moderation: ModerationService) -> None:
        self.moderation = moderation
        super().__init__()

    @app_commands.command(name="propose", description="Propose a new FAQ entry (another moderator approves it)")
    @app_commands.describe(category="Where the entry belongs (default: basics)")
    @require(moderators)
    async def propose(self, interaction: Invocation, category: Category = "basics") -> None:
        await respond(interaction, self.moderation.propose, category=category)

    @app_commands.command(name="edit", description="Propose a change to an FAQ entry (opens it pre-filled)")
    @app_commands.describe(id=ID_HELP, category="Move the entry to another category")
    @require(moderators)
    async def edit(self, interaction: Invocation, id: app_commands.Range[str, 1, 100],
                   category: Category | None = None) -> None:
        await respond(interaction, self.moderation.edit, id=id, category=category)

    @app_commands.command(name="review", description="Drafts waiting for review, with what they change")
    @app_commands.describe(revision="Show one draft in full by its number")
    @require(moderators)
    async def review(self, interaction: Invocation,
                     revision: app_commands.Range[int, 1] | None = None) -> None:
        await respond(interaction, self.moderation.review, revision=revision)

    @app_commands.command(name="approve", description="Publish a draft written by another moderator")
    @app_commands.describe(id="The entry id (or draft number) waiting for review",
                           reviewed="I also checked its text and sources: count this as signing it off")
    @require(moderators)
    async def approve(self, interaction: Invocation, id: app_commands.Range[str, 1, 100],
                      reviewed: bool = False) -> None:
        await respond(interaction, self.moderation.approve, id=id, reviewed=reviewed)

    @app_commands.command(name="reject", description="Close a draft with a reason (it stays in the history)")
    @app_commands.describe(id="The entry id (or draft number) waiting for review",
                           reason="What should change; kept in the history and posted to the audit channel")
    @require(moderators)
    async def reject(self, interaction: Invocation, id: app_commands.Range[str, 1, 100],
                     reason: app_commands.Range[str, 3, 500]) -> None:
        await respond(interaction, self.moderation.reject, id=id, reason=reason)

    @app_commands.command(name="retire", description="Stop serving an entry now (bringing it back needs approval)")
    @app_commands.describe(id=ID_HELP, reason="Why it is taken away; kept in the history")
    @require(moderators)
    async def retire(self, interaction: Invocation, id: app_commands.Range[str, 1, 100],
                     reason: app_commands.Range[str, 3, 500]) -> None:
        await respond(interaction, self.moderation.retire, id=id, reason=reason)

    @app_commands.command(name="history", description="Every change to an entry: who proposed, who approved, when")
    @app_commands.describe(id=ID_HELP)
    @require(moderators)
    async def history(self, interaction: Invocation, id: app_commands.Range[str, 1, 100]) -> None:
        await respond(interaction, self.moderation.history, id=id)

    @app_commands.command(name="reload", description="Re-read the content files (keeps the last good set on errors)")
    @require(moderators)
    async def reload(self, interaction: Invocation) -> None:
        await respond(interaction, self.moderation.reload)

    @app_commands.command(name="gaps", description="Questions the FAQ could not answer, and unhelpful answers")
    @app_commands.describe(days="How many days back to look (default 30)")
    @require(moderators)
    async def gaps(self, interaction: Invocation, days: app_commands.Range[int, 1, 365] = 30) -> None:
        await respond(interaction, self.moderation.gaps, days=days)

    @app_commands.command(name="stats", description="Answers served, top entries and the no-match rate")
    @app_commands.describe(days="How many days back to count (default 30)")
    @require(moderators)
    async def stats(self, interaction: Invocation, days: app_commands.Range[int, 1, 365] = 30) -> None:
        await respond(interaction, self.moderation.stats, days=days)

    @app_commands.command(name="due", description="Entries whose review is overdue or due within 30 days")
    @require(moderators)
    async def due(self, interaction: Invocation) -> None:
        await respond(interaction, self.moderation.due)

    @app_commands.command(name="sign-off", description="Mark an entry as reviewed by this server's moderators")
    @app_commands.describe(id=ID_HELP)
    @require(moderators)
    async def sign_off(self, interaction: Invocation, id: app_commands.Range[str, 1, 100]) -> None:
        await respond(interaction, self.moderation.sign_off, id=id)

    @app_commands.command(name="review-due", description="Walk through every entry not yet reviewed here, one by one")
    @require(moderators)
    async def review_due(self, interaction: Invocation) -> None:
        await respond(interaction, self.moderation.review_due)

    @app_commands.command(name="status", description="This server's entries, review states and command visibility")
    @require(moderators)
    async def status(self, interaction: Invocation) -> None:
        await respond(interaction, self.moderation.status)

    @app_commands.command(name="alias", description="Add an unanswered question as another way to ask an entry")
    @app_commands.describe(question="A question from /faq-admin gaps (pick from the list)",
                           entry="The entry that answers it")
    @require(moderators)
    async def alias(self, interaction: Invocation, question: app_commands.Range[str, 1, 100],
                    entry: app_commands.Range[str, 1, 100]) -> None:
        await respond(interaction, self.moderation.add_alias, question=question, entry=entry)

    @alias.autocomplete("question")
    async def gap_autocomplete(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Unanswered questions of this server."""
        return await suggest(interaction, self.moderation.complete_gaps, current)

    @alias.autocomplete("entry")
    @retire.autocomplete("id")
    @sign_off.autocomplete("id")
    async def live_autocomplete(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Entries served in this server now."""
        return await suggest(interaction, self.moderation.complete_live, current)

    @edit.autocomplete("id")
    @history.autocomplete("id")
    async def entry_autocomplete(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Every entry a moderator may edit or look up: served, retired, draft-only."""
        return await suggest(interaction, self.moderation.complete_entries, current)

    @approve.autocomplete("id")
    @reject.autocomplete("id")
    async def pending_autocomplete(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Drafts waiting for review."""
        return await suggest(interaction, self.moderation.complete_pending, current)
