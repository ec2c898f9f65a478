"""/checkin on Discord: each command calls its handler on the check-in service directly."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.checkins.service import CheckinService
from bot.frontend import Invocation, respond, suggest

Score = app_commands.Range[int, 0, 10]


class CheckinCog(commands.GroupCog, group_name="checkin", group_description="Private daily check-ins"):
    """Every /checkin subcommand."""

    def __init__(self, checkins: CheckinService) -> None:
        self.checkins = checkins
        super().__init__()

    @app_commands.command(name="start", description="Start private daily check-ins (explains what is stored first)")
    @app_commands.describe(timezone="Your time zone: start typing your city",
                           reminder="Optional daily reminder time, e.g. 8pm or 20:00")
    async def start(self, interaction: Invocation, timezone: app_commands.Range[str, 1, 64],
                    reminder: app_commands.Range[str, 1, 40] | None = None) -> None:
        """Explain what is stored and ask for consent before anything is saved."""
        await respond(interaction, self.checkins.start, timezone=timezone, reminder=reminder)

    @start.autocomplete("timezone")
    async def start_zone(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Suggestions for what the member has typed so far."""
        return await suggest(interaction, self.checkins.complete_zone, current)

    @app_commands.command(name="log", description="Log today's check-in (every question is optional)",
                          extras={"defer": True})
    @app_commands.describe(day="Today, or back-fill: yesterday, a weekday or a date in the last 7 days", pain="0 none – 10 worst", fatigue="0 none – 10 worst",
                           sleep="Sleep quality: 0 very poor – 10 very good", fog="Brain fog: 0 clear – 10 worst",
                           mood="1 very low – 5 very good", flare="Is today a flare day?",
                           note="A short note, only for you (up to 500 characters)")
    async def log(self, interaction: Invocation, day: app_commands.Range[str, 1, 40] = "today", pain: Score | None = None,
                  fatigue: Score | None = None, sleep: Score | None = None, fog: Score | None = None,
                  mood: app_commands.Range[int, 1, 5] | None = None, flare: bool | None = None,
                  note: app_commands.Range[str, 1, 500] | None = None) -> None:
        """Save today's (or a recent day's) check-in."""
        await respond(interaction, self.checkins.log_checkin, day=day, pain=pain, fatigue=fatigue, sleep=sleep, fog=fog,
                                   mood=mood, flare=flare, note=note)

    @log.autocomplete("day")
    async def log_day(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Suggestions for what the member has typed so far."""
        return await suggest(interaction, self.checkins.complete_day, current)

    @app_commands.command(name="stats", description="Your streak, trends and a chart (only you can see it)",
                          extras={"defer": True})
    @app_commands.describe(days="How many days to show (7–365, default 28)")
    async def stats(self, interaction: Invocation, days: app_commands.Range[int, 7, 365] = 28) -> None:
        """Streak, trends and a chart, for the member alone."""
        await respond(interaction, self.checkins.stats, days=days)

    @app_commands.command(name="export", description="Download your check-ins: a CSV, or a one-page PDF summary",
                          extras={"defer": True})
    @app_commands.describe(format="csv: every check-in for a spreadsheet; pdf: a one-page appointment summary",
                           notes="Include your notes in the PDF (the CSV always has them)")
    @app_commands.choices(format=[app_commands.Choice(name="csv", value="csv"),
                                  app_commands.Choice(name="pdf", value="pdf")])
    async def export(self, interaction: Invocation, format: str = "csv", notes: bool = False) -> None:
        """The member's check-ins as CSV or a one-page PDF."""
        await respond(interaction, self.checkins.export, format=format, notes=notes)

    @app_commands.command(name="pause", description="Freeze your streak for a while (up to 30 days)")
    @app_commands.describe(days="How many days, starting today")
    async def pause(self, interaction: Invocation, days: app_commands.Range[int, 1, 30]) -> None:
        """Freeze the streak for some days."""
        await respond(interaction, self.checkins.pause, days=days)

    @app_commands.command(name="resume", description="End a pause early")
    async def resume(self, interaction: Invocation) -> None:
        """End a pause early."""
        await respond(interaction, self.checkins.resume)

    @app_commands.command(name="reminders", description="Change, or stop, your daily reminder")
    @app_commands.describe(time="New reminder time, e.g. 8pm", off="Stop reminders", timezone="Change your time zone")
    async def reminders(self, interaction: Invocation, time: app_commands.Range[str, 1, 40] | None = None,
                        off: bool = False, timezone: app_commands.Range[str, 1, 64] | None = None) -> None:
        """Change or stop the daily reminder."""
        await respond(interaction, self.checkins.set_reminders, time=time, off=off, timezone=timezone)

    @reminders.autocomplete("timezone")
    async def reminders_zone(self, interaction: Invocation, current: str) -> list[app_commands.Choice[str]]:
        """Suggestions for what the member has typed so far."""
        return await suggest(interaction, self.checkins.complete_zone, current)

    @app_commands.command(name="stop", description="Stop check-ins (you can then delete them)")
    async def stop(self, interaction: Invocation) -> None:
        """Stop check-ins; what was logged is kept until deleted."""
        await respond(interaction, self.checkins.stop)
