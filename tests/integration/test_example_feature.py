"""The README's example feature, exactly as printed there: one list entry and it works.

The code block after ``<!-- example-feature -->`` in README.md is executed as a module, its
feature added to the app's list, and its command run through the console from the same command
tree the Discord client syncs; a rename in the framework breaks this test, not the README reader.
"""

from __future__ import annotations

import io
import re
import types
from pathlib import Path

from bot.app import SupportApp
from bot.client import SupportBot
from bot.console.session import Console, console_actor

README = Path(__file__).resolve().parents[2] / "README.md"
PRELUDE = """
from __future__ import annotations
from discord import app_commands
from discord.ext import commands
from bot.feature import Feature
from bot.frontend import Invocation, respond
from bot.ui import Actor, Reply
"""


def example_module() -> types.ModuleType:
    match = re.search(r"<!-- example-feature -->\n```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match is not None, "the README lost its example feature"
    code = match.group(1)
    assert len(code.strip().splitlines()) <= 14  # it stays a short example
    module = types.ModuleType("readme_example")
    exec(compile(PRELUDE + code, str(README), "exec"), module.__dict__)
    return module


async def test_the_readme_example_feature_runs_in_the_console(app: SupportApp, tmp_path: Path) -> None:
    example = example_module()
    app.add_feature(example.HelloFeature())
    bot = SupportBot(app)
    await bot.load_features()
    assert bot.tree.get_command("hello") is not None  # synced with every other command
    out = io.StringIO()
    console = Console(app, bot.tree, console_actor("Sam"), out=out, files_dir=tmp_path)
    await console.handle("/hello name:Sam")
    await console.handle("/hello")
    assert "Hello, Sam! You are Sam." in out.getvalue()
    assert "Hello, friend!" in out.getvalue()
    await console.handle(":commands")
    assert "/hello [name:<text>]" in out.getvalue()


async def test_a_feature_with_only_defaults_adds_nothing(app: SupportApp) -> None:
    from bot.feature import Feature

    before = await app.privacy.describe(123)
    app.add_feature(Feature())
    assert await app.privacy.describe(123) == before
    assert await app.privacy.export_data(123) == {}
