"""The load benchmark's baseline: a bare discord.py bot whose /faq sends a fixed answer.

The answer has the shape of a typical supportbot ``/faq`` answer: one embed of the same size and
the same rows of buttons (``bench/e2e.py`` renders one real answer and hands it over in the file
named by ``BASELINE_PAYLOAD``). Same library, same process model, same fake Discord, same bytes on
the wire; what is missing is everything supportbot does to *choose* and build that answer (safety
screen, search, database writes, rendering). So ``faq_per_s / baseline_per_s`` is the share of a
bare discord.py bot's throughput that supportbot keeps, and one minus it is supportbot's own cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.discord_render import ButtonRows  # rows sent as given: no per-button objects
from bot.endpoint import point_discord_at


class BaselineBot(discord.Client):
    def __init__(self, guild_id: int, payload: dict[str, Any]) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id
        embeds = [discord.Embed.from_dict(e) for e in payload["embeds"]]
        view = ButtonRows(payload["components"])

        @self.tree.command(name="faq", description="a fixed answer of the usual size")
        async def faq(interaction: discord.Interaction, question: str, private: bool = False) -> None:
            await interaction.response.send_message(embeds=embeds, view=view, ephemeral=private,
                                                    allowed_mentions=discord.AllowedMentions.none())

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def serve(payload: dict[str, Any]) -> None:
    point_discord_at(os.environ["DISCORD_API_BASE"])
    async with BaselineBot(int(os.environ["DEV_GUILD_ID"]), payload) as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(serve(json.loads(Path(os.environ["BASELINE_PAYLOAD"]).read_text())))
