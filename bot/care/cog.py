"""/help-now, /care and /setup on Discord: each command calls its handler directly."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.care.service import CareService
from bot.frontend import Invocation, require, respond, suggest
from bot.permissions import admins
from bot.watch.commands import WatchCommands

TOPICS = [
    app_commands.Choice(name="When to see a GP or family doctor", value="gp"),
    app_commands.Choice(name="When a rheumatologist is involved", value="rheumatologist"),
    app_commands.Choice(name="How a physiotherapist or OT can help", value="physiotherapist"),
    app_commands.Choice(name="Why you might see a psychologist", value="psychologist"),
    app_commands.Choice(name="Pain clinics and pain programmes", value="pain-clinic"),
    app_commands.Choice(name="Preparing for an appointment", value="appointment"),
]


class HelpNowCog(commands.Cog):
    """/help-now (everyone) and /setup (server admins)."""

    def __init__(self, care: CareService) -> None:
        self.care = care

    @app_commands.command(name="help-now", description="Crisis lines and emergency numbers, right now (only you see it)")
    async def help_now(self, interaction: Invocation) -> None:
        """Crisis lines for the member's country, and an offer to tell the moderators."""
        await respond(interaction, self.care.help_now)

    @app_commands.command(name="setup", description="Server safety settings (admins only)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @require(admins)
    @app_commands.describe(country="The server's default country for crisis lines",
                           moderator_role="Members with this role count as moderators",
                           alert_channel="Where '/help-now' requests for support are posted",
                           audit_channel="Where FAQ changes and the weekly digest are posted")
    async def setup_command(self, interaction: Invocation, country: app_commands.Range[str, 2, 60] | None = None,
                            moderator_role: discord.Role | None = None,
                            alert_channel: discord.TextChannel | None = None,
                            audit_channel: discord.TextChannel | None = None) -> None:
        """Show or change the server's safety settings."""
        await respond(
            interaction, self.care.setup, country=country,
            moderator_role=moderator_role.id if moderator_role else None,
            alert_channel=alert_channel.id if alert_channel else None,
            audit_channel=audit_channel.id if audit_channel else None,
        )

    @setup_command.autocomplete("country")
    async def setup_country(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Countries the resource directory has crisis lines for."""
        return await suggest(interaction, self.care.complete_country, current)


class CareCog(commands.GroupCog, group_name="care", group_description="Finding the right professional care"):
    """/care guide and region (care), quiet and privacy (channel watch's member side)."""

    def __init__(self, care: CareService, watch: WatchCommands) -> None:
        self.care = care
        self.watch = watch
        super().__init__()

    @app_commands.command(name="guide", description="When to see a GP, specialist, physio, psychologist or pain clinic")
    @app_commands.describe(topic="What would you like to know about?")
    @app_commands.choices(topic=TOPICS)
    async def guide(self, interaction: Invocation, topic: str) -> None:
        """A short guide to one kind of professional care."""
        await respond(interaction, self.care.care, topic=topic)

    @app_commands.command(name="region", description="Your country, so crisis lines are the right ones (private)")
    @app_commands.describe(country="Start typing your country; 'clear' forgets it")
    async def region(self, interaction: Invocation, country: app_commands.Range[str, 2, 60]) -> None:
        """Remember (or forget) the member's country for crisis lines."""
        await respond(interaction, self.care.set_region, country=country)

    @app_commands.command(name="quiet", description="Stop the bot's private check-in messages (only you see it)")
    @app_commands.describe(off="True turns the check-in messages back on")
    async def quiet(self, interaction: Invocation, off: bool = False) -> None:
        """Opt out of (or back into) channel watch's private messages."""
        await respond(interaction, self.watch.quiet, off=off)

    @app_commands.command(name="privacy", description="What the bot notices in this server's channels, and how")
    async def privacy(self, interaction: Invocation) -> None:
        """What channel watch looks at in this server."""
        await respond(interaction, self.watch.privacy)

    @region.autocomplete("country")
    async def region_country(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Countries the resource directory has crisis lines for."""
        return await suggest(interaction, self.care.complete_country, current)
