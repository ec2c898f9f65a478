"""Every module imports, every cog belongs to a feature, command names never collide, and every
command calls a real handler (the console runs each one with a member who may not use it)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import bot
from bot.feature import Feature


def all_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.") if not m.name.endswith("__main__")]


def test_every_module_imports() -> None:
    for name in all_modules():
        importlib.import_module(name)


async def test_every_cog_module_belongs_to_a_feature(app) -> None:
    from bot.client import SupportBot

    client = SupportBot(app)
    await client.load_features()
    loaded = {type(cog).__module__ for cog in client.cogs.values()}
    assert loaded == {name for name in all_modules() if name.endswith(".cog")}
    assert all(isinstance(feature, Feature) for feature in app.features)
    assert len({f.name for f in app.features}) == len(app.features)


async def test_commands_load_without_handler_names(app) -> None:
    from bot.client import SupportBot

    client = SupportBot(app)
    await client.load_features()
    names = [c.qualified_name for c in client.tree.walk_commands()]
    assert len(names) == len(set(names))
    for command in client.tree.walk_commands():
        extras: dict[str, Any] = getattr(command, "extras", {})
        assert set(extras) <= {"defer", "ephemeral"}, command.qualified_name  # flags only, never names
