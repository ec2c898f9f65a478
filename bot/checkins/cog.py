"""/checkin and /mydata on Discord: thin adapters; the handlers live in the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SupportBot

Score = app_commands.Range[int, 0, 10]


class CheckinCog(commands.GroupCog, group_name="checkin", group_description="Private daily check-ins"):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Start private daily check-ins (explains what is stored first)",
                          extras={"handler": "checkins.start", "complete": {"timezone": "checkins.zones"}})
    @app_commands.describe(timezone="Your time zone: start typing your city",
                           reminder="Optional daily reminder time, e.g. 8pm or 20:00")
    async def start(self, interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 64],
                    reminder: app_commands.Range[str, 1, 20] | None = None) -> None:
        await self.bot.run_handler(interaction, timezone=timezone, reminder=reminder)

    @start.autocomplete("timezone")
    async def start_zone(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "timezone", current)

    @app_commands.command(name="log", description="Log today's check-in (every question is optional)",
                          extras={"handler": "checkins.log", "complete": {"day": "checkins.days"},
                                  "defer": True})
    @app_commands.describe(day="Today, or back-fill: yesterday, a weekday or a date in the last 7 days", pain="0 none – 10 worst", fatigue="0 none – 10 worst",
                           sleep="Sleep quality: 0 very poor – 10 very good", fog="Brain fog: 0 clear – 10 worst",
                           mood="1 very low – 5 very good", flare="Is today a flare day?",
                           note="A short note, only for you (up to 500 characters)")
    async def log(self, interaction: discord.Interaction, day: app_commands.Range[str, 1, 40] = "today", pain: Score | None = None,
                  fatigue: Score | None = None, sleep: Score | None = None, fog: Score | None = None,
                  mood: app_commands.Range[int, 1, 5] | None = None, flare: bool | None = None,
                  note: app_commands.Range[str, 1, 500] | None = None) -> None:
        await self.bot.run_handler(interaction, day=day, pain=pain, fatigue=fatigue, sleep=sleep, fog=fog,
                                   mood=mood, flare=flare, note=note)

    @log.autocomplete("day")
    async def log_day(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "day", current)

    @app_commands.command(name="stats", description="Your streak, trends and a chart (only you can see it)",
                          extras={"handler": "checkins.stats", "defer": True})
    @app_commands.describe(days="How many days to show (7–365, default 28)")
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 7, 365] = 28) -> None:
        await self.bot.run_handler(interaction, days=days)

    @app_commands.command(name="export", description="Download your check-ins: a CSV, or a one-page PDF summary",
                          extras={"handler": "checkins.export", "defer": True})
    @app_commands.describe(format="csv: every check-in for a spreadsheet; pdf: a one-page appointment summary",
                           notes="Include your notes in the PDF (the CSV always has them)")
    @app_commands.choices(format=[app_commands.Choice(name="csv", value="csv"),
                                  app_commands.Choice(name="pdf", value="pdf")])
    async def export(self, interaction: discord.Interaction, format: str = "csv", notes: bool = False) -> None:
        await self.bot.run_handler(interaction, format=format, notes=notes)

    @app_commands.command(name="pause", description="Freeze your streak for a while (up to 30 days)",
                          extras={"handler": "checkins.pause"})
    @app_commands.describe(days="How many days, starting today")
    async def pause(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 30]) -> None:
        await self.bot.run_handler(interaction, days=days)

    @app_commands.command(name="resume", description="End a pause early", extras={"handler": "checkins.resume"})
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)

    @app_commands.command(name="reminders", description="Change, or stop, your daily reminder",
                          extras={"handler": "checkins.reminders", "complete": {"timezone": "checkins.zones"}})
    @app_commands.describe(time="New reminder time, e.g. 8pm", off="Stop reminders", timezone="Change your time zone")
    async def reminders(self, interaction: discord.Interaction, time: app_commands.Range[str, 1, 20] | None = None,
                        off: bool = False, timezone: app_commands.Range[str, 1, 64] | None = None) -> None:
        await self.bot.run_handler(interaction, time=time, off=off, timezone=timezone)

    @reminders.autocomplete("timezone")
    async def reminders_zone(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.bot.run_completer(interaction, "timezone", current)

    @app_commands.command(name="stop", description="Stop check-ins (you can then delete them)",
                          extras={"handler": "checkins.stop"})
    async def stop(self, interaction: discord.Interaction) -> None:
        await self.bot.run_handler(interaction)


class MyDataCog(commands.Cog):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot

    @app_commands.command(name="mydata", description="See, export or delete everything the bot stores about you",
                          extras={"handler": "privacy.mydata"})
    @app_commands.describe(action="show (default), export, delete, or retention (how long check-ins are kept)",
                           keep="With retention: keep check-ins forever, 1 year or 90 days")
    @app_commands.choices(action=[app_commands.Choice(name="show", value="show"),
                                  app_commands.Choice(name="export", value="export"),
                                  app_commands.Choice(name="delete", value="delete"),
                                  app_commands.Choice(name="retention", value="retention")],
                          keep=[app_commands.Choice(name="forever (until I delete them)", value="forever"),
                                app_commands.Choice(name="1 year", value="1y"),
                                app_commands.Choice(name="90 days", value="90d")])
    async def mydata(self, interaction: discord.Interaction, action: str = "show", keep: str | None = None) -> None:
        await self.bot.run_handler(interaction, action=action, keep=keep)


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(CheckinCog(bot))
    await bot.add_cog(MyDataCog(bot))
