"""Reading a console line the way Discord would send it: ``name:value`` options (quoted values
may hold spaces and colons), converted and checked against the command's own parameters, and
the console's own ``:`` commands told apart from everything a member types.

Everything here is pure: a line in, options or a :class:`UsageError` out, so nothing half-read
ever reaches a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord
from discord import AppCommandOptionType, app_commands
from rapidfuzz import fuzz, process

from bot.console.identity import channel_id_for, role_id_for

# Options the console also takes by name, and how the name is written.
_BY_NAME = {AppCommandOptionType.role: "@Moderators or ", AppCommandOptionType.channel: "#venting or "}


class UsageError(Exception):
    """The line could not be turned into a command call; the message says how to fix it."""


CONSOLE_COMMANDS = (":help", ":commands", ":user", ":post", ":quit")
# Terminal escape sequences (arrow keys pressed without line editing, colours pasted in) and other
# control characters: never echoed, never passed to a command.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]")


def clean_line(line: str) -> str:
    """What a member typed, without escape sequences or control characters."""
    return _ESCAPES.sub("", line)


_CONSOLE_COMMAND = re.compile(r":[A-Za-z]+(?:\s|$)")


def is_console_command(line: str) -> bool:
    """A ``:word`` line (``:user dana mod``): the console's own, never a member's text. A line
    that only starts with a colon (``:)``, ``: 3pm``) is not one."""
    return bool(_CONSOLE_COMMAND.match(line.strip()))


_OPTION_VALUE = re.compile(r"(?:^|\s)\w+:([^:]*)$")


def asks_for_suggestions(rest: str) -> str | None:
    """What is left to autocomplete when the options ``rest`` ask for suggestions, else None.

    In Discord suggestions appear while typing; here a trailing ``?`` asks for them. But members
    end questions with ``?`` ("/faq what is pacing?"), so one ``?`` after several words is part
    of the question and the command runs; a ``?`` after one word or none (``/faq exer?``,
    ``topic:?``, ``day:las?``) or ``??`` after anything lists the suggestions.
    """
    text = rest.rstrip()
    if text.endswith("??"):
        return text.rstrip("?")
    if not text.endswith("?"):
        return None
    partial = text[:-1]
    found = _OPTION_VALUE.search(partial)
    value = found.group(1) if found else partial
    return partial if len(value.split()) <= 1 else None


def unquote(raw: str) -> str:
    """A value without the quotes around it (straight or curly), as the member meant it."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'“”":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == "“" and raw[-1] == "”":
        return raw[1:-1]
    return raw


@dataclass(slots=True)
class ConsoleCommand:
    """A slash command as the console lists and parses it."""

    path: str
    command: app_commands.Command[Any, ..., Any]

    @property
    def params(self) -> list[app_commands.Parameter]:
        return list(self.command.parameters)

    def usage(self) -> str:
        parts = [f"/{self.path}"]
        for p in self.params:
            parts.append(f"{p.name}:<{placeholder(p)}>" if p.required else f"[{p.name}:<{placeholder(p)}>]")
        return " ".join(parts)


_PLACEHOLDERS = {
    AppCommandOptionType.string: "text", AppCommandOptionType.boolean: "yes|no",
    AppCommandOptionType.integer: "number", AppCommandOptionType.number: "number",
    AppCommandOptionType.user: "member", AppCommandOptionType.role: "role",
    AppCommandOptionType.channel: "channel", AppCommandOptionType.mentionable: "member or role",
}


def placeholder(param: app_commands.Parameter) -> str:
    """What to write for an option, in a member's words ("text", "yes|no", the choices), not
    Discord's type names ("<string>", "<boolean>" read as jargon to a tired member)."""
    if param.choices:
        names = [str(c.name) for c in param.choices]
        if sum(len(n) for n in names) <= 40:
            return "|".join(names)
        return f"one of {len(names)}; {param.name}:? lists them"
    return _PLACEHOLDERS.get(param.type, param.type.name)


def collect_commands(tree: app_commands.CommandTree[Any]) -> dict[str, ConsoleCommand]:
    """Every command in the tree, by its full name (``checkin log``)."""
    found: dict[str, ConsoleCommand] = {}
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            found[command.qualified_name] = ConsoleCommand(command.qualified_name, command)
    return found


def convert(param: app_commands.Parameter, raw: str) -> Any:
    """One option's value as Discord would deliver it (a choice, bool, number, text or object),
    or a :class:`UsageError` saying in plain words what is wrong with it."""
    raw = unquote(raw)
    kind = param.type
    if param.choices:
        for choice in param.choices:
            if raw.casefold() in {str(choice.name).casefold(), str(choice.value).casefold()}:
                return choice.value
        names = ", ".join(str(c.name) for c in param.choices)
        raise UsageError(f"{param.name} must be one of: {names}.")
    value: Any
    if kind is AppCommandOptionType.boolean:
        lowered = raw.casefold()
        if lowered in {"true", "yes", "y", "1", "on"}:
            return True
        if lowered in {"false", "no", "n", "0", "off"}:
            return False
        raise UsageError(f"{param.name} must be true or false.")
    if kind is AppCommandOptionType.integer:
        try:
            value = int(raw)
        except ValueError:
            raise UsageError(f"{param.name} must be a whole number.") from None
    elif kind is AppCommandOptionType.number:
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"{param.name} must be a number.") from None
    elif kind is AppCommandOptionType.string:
        value = raw
        if param.min_value is not None and len(value) < param.min_value:
            if param.min_value == 1:
                raise UsageError(f"{param.name} can't be empty: write something after {param.name}:")
            raise UsageError(f"{param.name} needs at least {param.min_value} characters.")
        if param.max_value is not None and len(value) > param.max_value:
            raise UsageError(f"{param.name} can be at most {param.max_value} characters.")
        return value
    elif kind in (AppCommandOptionType.role, AppCommandOptionType.channel, AppCommandOptionType.user,
                  AppCommandOptionType.mentionable):
        digits = raw.strip("<@&#!>")
        # A bare object with the id: the command method reads ``.id``, as from a Discord role or channel.
        if kind is AppCommandOptionType.channel and raw.startswith("#") and not digits.isdigit():
            return discord.Object(channel_id_for(raw))
        if kind is AppCommandOptionType.role and raw.startswith("@") and not digits.isdigit():
            return discord.Object(role_id_for(raw))  # "@Moderators", as channels are "#venting"
        if not digits.isdigit():
            example = _BY_NAME.get(kind, "")
            raise UsageError(f"{param.name} takes {example}an id number in the console (e.g. {param.name}:123456).")
        return discord.Object(int(digits))
    else:
        raise UsageError(f"{param.name} can't be given in the console.")
    if param.min_value is not None and value < param.min_value:
        raise UsageError(f"{param.name} must be at least {param.min_value}.")
    if param.max_value is not None and value > param.max_value:
        raise UsageError(f"{param.name} must be at most {param.max_value}.")
    return value


def _segments(text: str, names: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """Split ``text`` into leading words and ``(name, raw value)`` pairs. A value that starts with
    a quote runs to the matching quote, so it may hold spaces and other ``name:`` words."""
    marker = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, names)) + r"):")
    pairs: list[tuple[str, str]] = []
    first = marker.search(text)
    if first is None:
        return text, []
    leading = text[: first.start()]
    match: re.Match[str] | None = first
    while match is not None:
        name, start = match.group(1), match.end()
        rest = text[start:].lstrip()
        offset = len(text) - len(rest)
        if rest[:1] in {'"', "'", "“"}:
            closing = "”" if rest[0] == "“" else rest[0]
            end = rest.find(closing, 1)
            if end < 0:
                raise UsageError(f"the quote after {name}: is never closed.")
            pairs.append((name, rest[: end + 1]))
            match = marker.search(text, offset + end + 1)
            if match is None and text[offset + end + 1 :].strip():
                raise UsageError(f"I couldn't read {text[offset + end + 1:].strip()[:30]!r} after {name}.")
            continue
        match = marker.search(text, start)
        pairs.append((name, text[start : match.start() if match else len(text)]))
    return leading, pairs


_NAME_COLON = re.compile(r"(?:^|\s)([A-Za-z_]{2,32}):(?=\S)")


def _refuse_unknown_options(command: ConsoleCommand, leading: str, pairs: list[tuple[str, str]]) -> None:
    """Discord's client never sends an option a command does not have, so a mistyped name
    (``pian:3``) must not be read as part of another option's text: it is refused, with the
    nearest real name. A ``word:`` inside a quoted value, or one that looks like no option (a
    note saying ``time: 3pm``), is left as the member wrote it."""
    names = [p.name for p in command.params]
    texts = [leading] + [raw for _, raw in pairs if raw[:1] not in {'"', "'", "“"}]
    for index, part in enumerate(texts):
        for match in _NAME_COLON.finditer(part):
            word = match.group(1)
            near = process.extractOne(word.lower(), names, scorer=fuzz.ratio, score_cutoff=60)
            at_start = index == 0 and match.start() == 0 and not part[: match.start()].strip()
            if near is None and not at_start:
                continue
            hint = f" Did you mean {near[0]}:?" if near else ""
            raise UsageError(f"/{command.path} has no option called {word}.{hint} "
                             f"Its options are {', '.join(names)}. (A colon inside a text is fine in quotes: "
                             'note:"slept: badly".) Nothing was changed.')


def parse_options(command: ConsoleCommand, text: str) -> dict[str, Any]:
    """``name:value`` pairs, Discord-style; bare text fills the first text option; values may be
    quoted."""
    params = {p.name: p for p in command.params}
    kwargs: dict[str, Any] = {}
    if params:
        leading, pairs = _segments(text, list(params))
        _refuse_unknown_options(command, leading, pairs)
        if leading.strip():
            first = next((p for p in command.params if p.type is AppCommandOptionType.string), None)
            if first is None:
                raise UsageError(f"write options as name:value, e.g. {command.usage()}")
            kwargs[first.name] = convert(first, leading)
        for name, raw in pairs:
            kwargs[name] = convert(params[name], raw)
    elif text.strip():
        raise UsageError(f"/{command.path} takes no options.")
    missing = [p for p in command.params if p.required and p.name not in kwargs]
    if missing:
        names = " and ".join(p.name for p in missing)
        hint = ""
        first_text = next((p.name for p in command.params if p.type is AppCommandOptionType.string), None)
        if missing[0].name == first_text:
            hint = f", or just write it after /{command.path}"  # bare text fills the first text option
        raise UsageError(f"/{command.path} needs your {names}. Write it like this: {command.usage()}{hint}.")
    return kwargs


def autocompleted(command: app_commands.Command[Any, ..., Any]) -> dict[str, Any]:
    """The options of ``command`` that have an autocomplete method, in order, with that method.

    discord.py keeps these on the command's parameters; the console calls them exactly as the
    library does for Discord (with the cog bound), so there is no second list to keep in step.
    """
    params = command._params  # discord.py's own parameter objects, which hold the callbacks
    return {name: param.autocomplete for name, param in params.items() if callable(param.autocomplete)}
