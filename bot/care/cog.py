"""/help-now, /care and /setup on Discord: thin adapters over :class:`bot.care.service.CareService`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import require

if TYPE_CHECKING:
    from bot.client import SupportBot

TOPICS = [
    app_commands.Choice(name="When to see a GP or family doctor", value="gp"),
    app_commands.Choice(name="When a rheumatologist is involved", value="rheumatologist"),
    app_commands.Choice(name="How a physiotherapist or OT can help", value="physiotherapist"),
    app_commands.Choice(name="Why you might see a psychologist", value="psychologist"),
    app_commands.Choice(name="Pain clinics and pain programmes", value="pain-clinic"),
    app_commands.Choice(name="Preparing for an appointment", value="appointment"),
]


class HelpNowCog(commands.Cog):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot

    @app_commands.command(name="help-now", description="Crisis lines and emergency numbers, right now (only you see it)",
                          extras={"handler": "care.help_now"})
    async def help_now(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="setup", description="Server safety settings (admins only)",
                          extras={"handler": "care.setup", "check": "care.admin",
                                  "complete": {"country": "care.countries"}})
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @require("care.admin")
    @app_commands.describe(country="The server's default country for crisis lines",
                           moderator_role="Members with this role count as moderators",
                           alert_channel="Where '/help-now' requests for support are posted",
                           audit_channel="Where FAQ changes and the weekly digest are posted")
    async def setup_command(self, interaction: discord.Interaction, country: app_commands.Range[str, 2, 60] | None = None,
                            moderator_role: discord.Role | None = None,
                            alert_channel: discord.TextChannel | None = None,
                            audit_channel: discord.TextChannel | None = None) -> None:
        await self.bot.run_handler(
            interaction, country=country,
            moderator_role=moderator_role.id if moderator_role else None,
            alert_channel=alert_channel.id if alert_channel else None,
            audit_channel=audit_channel.id if audit_channel else None,
        )

    @setup_command.autocomplete("country")
    async def setup_country(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "country", current)


class CareCog(commands.GroupCog, group_name="care", group_description="Finding the right professional care"):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="guide", description="When to see a GP, specialist, physio, psychologist or pain clinic",
                          extras={"handler": "care.guide"})
    @app_commands.describe(topic="What would you like to know about?")
    @app_commands.choices(topic=TOPICS)
    async def guide(self, interaction: discord.Interaction, topic: str) -> None:
        await self.bot.run_handler(interaction, topic=topic)

    @app_commands.command(name="region", description="Your country, so crisis lines are the right ones (private)",
                          extras={"handler": "care.region", "complete": {"country": "care.countries"}})
    @app_commands.describe(country="Start typing your country; 'clear' forgets it")
    async def region(self, interaction: discord.Interaction, country: app_commands.Range[str, 2, 60]) -> None:
        await self.bot.run_handler(interaction, country=country)

    @app_commands.command(name="quiet", description="Stop the bot's private check-in messages (only you see it)",
                          extras={"handler": "watch.quiet"})
    @app_commands.describe(off="True turns the check-in messages back on")
    async def quiet(self, interaction: discord.Interaction, off: bool = False) -> None:
        await self.bot.run_handler(interaction, off=off)

    @app_commands.command(name="privacy", description="What the bot notices in this server's channels, and how",
                          extras={"handler": "watch.privacy"})
    async def privacy(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @region.autocomplete("country")
    async def region_country(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "country", current)


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(HelpNowCog(bot))
    await bot.add_cog(CareCog(bot))
