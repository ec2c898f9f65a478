"""Every slash command runs end to end in the console: the command method calls its handler with
the arguments it names, so a renamed option or handler argument fails here, not for a member."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from discord import AppCommandOptionType

from bot.app import SupportApp
from bot.client import SupportBot
from bot.console.session import Console, console_actor

SAMPLES = {AppCommandOptionType.string: "london", AppCommandOptionType.boolean: "false",
           AppCommandOptionType.channel: "#general", AppCommandOptionType.role: "123456"}


def sample(param: Any) -> str:
    """A valid value for one option: a listed choice, the lowest allowed number, or a sample."""
    if param.choices:
        return str(param.choices[0].value)
    if param.type in (AppCommandOptionType.integer, AppCommandOptionType.number):
        return str(param.min_value if param.min_value is not None else 7)
    if param.name == "id":
        return "pacing"
    return SAMPLES[param.type]


async def test_every_command_answers_in_the_console(app: SupportApp, tmp_path: Path) -> None:
    bot = SupportBot(app)
    await bot.load_features()
    commands = [c for c in bot.tree.walk_commands() if hasattr(c, "callback")]
    assert len(commands) > 30
    for role in ("member", "mod"):
        for command in commands:
            out = io.StringIO()
            console = Console(app, bot.tree, console_actor("erin", moderator=role == "mod"), out=out,
                              files_dir=tmp_path, ask=lambda prompt: ".")  # forms: cancelled
            options = " ".join(f"{p.name}:{sample(p)}" for p in command.parameters)
            # Not handle(): a usage error (an option the console could not give) raises here too.
            await console.run_command(f"{command.qualified_name} {options}")
            assert console.last_reply is not None, command.qualified_name
