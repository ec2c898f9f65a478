"""Every extension imports, has a setup(), and command names never collide."""

from __future__ import annotations

import importlib
import pkgutil

import bot
from bot.client import EXTENSIONS


def all_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.") if not m.name.endswith("__main__")]


def test_every_module_imports() -> None:
    for name in all_modules():
        importlib.import_module(name)


def test_every_cog_module_is_an_extension() -> None:
    cogs = {name for name in all_modules() if name.endswith(".cog")}
    assert cogs == set(EXTENSIONS)
    for name in EXTENSIONS:
        assert callable(importlib.import_module(name).setup)


async def test_commands_load_with_handlers_that_exist(app) -> None:
    from bot.client import SupportBot

    client = SupportBot(app)
    await client.load_features()
    names = [c.qualified_name for c in client.tree.walk_commands()]
    assert len(names) == len(set(names))
    for command in client.tree.walk_commands():
        handler = getattr(command, "extras", {}).get("handler")
        if handler is not None:
            assert handler in app.handlers, command.qualified_name
        for completer in getattr(command, "extras", {}).get("complete", {}).values():
            assert completer in app.completers
