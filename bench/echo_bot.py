"""The load benchmark's baseline: a bare discord.py bot whose /faq only echoes the question.

Same library, same process model, same fake Discord; only supportbot's own work is missing, so
``faq_per_s / echo_per_s`` is the share of raw discord.py throughput the real bot keeps.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.endpoint import point_discord_at


class EchoBot(discord.Client):
    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id

        @self.tree.command(name="faq", description="echo")
        async def faq(interaction: discord.Interaction, question: str, private: bool = False) -> None:
            await interaction.response.send_message(question, ephemeral=private,
                                                    allowed_mentions=discord.AllowedMentions.none())

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def main() -> None:
    point_discord_at(os.environ["DISCORD_API_BASE"])
    async with EchoBot(int(os.environ["DEV_GUILD_ID"])) as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
