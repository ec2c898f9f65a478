"""/mydata on Discord: the command calls :meth:`bot.privacy.PrivacyService.mydata` directly."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.frontend import Invocation, respond
from bot.privacy import PrivacyService


class MyDataCog(commands.Cog):
    """/mydata show, export, delete and retention."""

    def __init__(self, privacy: PrivacyService) -> None:
        self.privacy = privacy

    @app_commands.command(name="mydata", description="See, export or delete everything the bot stores about you")
    @app_commands.describe(action="show (default), export, delete, or retention (how long check-ins are kept)",
                           keep="With retention: keep check-ins forever, 1 year or 90 days")
    @app_commands.choices(action=[app_commands.Choice(name="show", value="show"),
                                  app_commands.Choice(name="export", value="export"),
                                  app_commands.Choice(name="delete", value="delete"),
                                  app_commands.Choice(name="retention", value="retention")],
                          keep=[app_commands.Choice(name="forever (until I delete them)", value="forever"),
                                app_commands.Choice(name="1 year", value="1y"),
                                app_commands.Choice(name="90 days", value="90d")])
    async def mydata(self, interaction: Invocation, action: str = "show", keep: str | None = None) -> None:
        """Everything stored about the member, across every feature."""
        await respond(interaction, self.privacy.mydata, action=action, keep=keep)
