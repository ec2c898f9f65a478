"""The local console: the bot's real commands, handlers and database, without Discord.

Commands are read from the same ``app_commands`` tree the Discord client syncs, so options,
types, limits and choices are Discord's; the console then runs the command's checks and calls the
command's own method with a :class:`~bot.frontend.ConsoleCall` in place of the interaction (the
method calls its typed handler, as on Discord) and prints the reply. Autocomplete runs the
command's own autocomplete method the same way.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import discord
from discord import AppCommandOptionType, app_commands
from rapidfuzz import fuzz, process

from bot.app import SupportApp
from bot.console.automod import ConsoleAutomod
from bot.console.outbox import ConsoleOutbox
from bot.console.render import render
from bot.errors import reply_for
from bot.frontend import ConsoleCall, FriendlyCheckFailure
from bot.notify import Outbox
from bot.ui import Actor, Button, Choice, Modal, Reply

CONSOLE_GUILD_ID = 100_000_000_000_000_001
CONSOLE_CHANNEL_ID = 100_000_000_000_000_002
_message_ids = itertools.count(600_000_000_000_000_001)

HELP = """Type a slash command as you would in Discord, for example:
  /faq does exercise help
  /faq question:what is pacing private:true
Options are written name:value. A number presses a button from the last reply.
End a command with ? to see autocomplete suggestions (e.g. /faq exer?).
  :commands        list every command and its options
  :user NAME [ROLE] act as another member; ROLE is member (default), mod or admin
  :post #CHANNEL TEXT  post a message in a channel as the current member (channel watch
                   sees it as AutoMod or message mode would; channels are written #name)
  /cmd option:?    list the choices or suggestions for one option
Values with spaces or colons can be quoted: note:"pain: better today"
  :help            this text
  :quit            leave (Ctrl-D works too)"""


def user_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console name, so data persists between sessions."""
    digest = hashlib.sha256(name.casefold().encode()).digest()
    return 200_000_000_000_000_000 + int.from_bytes(digest[:7], "big")


def channel_id_for(name: str) -> int:
    """A stable, snowflake-sized id per console channel name (``#general``)."""
    digest = hashlib.sha256(("#" + name.casefold().lstrip("#")).encode()).digest()
    return 300_000_000_000_000_000 + int.from_bytes(digest[:7], "big")


def console_actor(name: str, *, moderator: bool = False) -> Actor:
    """The actor a console name stands for (stable ids, so data persists)."""
    return Actor(
        user_id=user_id_for(name),
        display_name=name,
        guild_id=CONSOLE_GUILD_ID,
        channel_id=CONSOLE_CHANNEL_ID,
        can_manage_guild=moderator,
        locale="en-GB",
    )


class UsageError(Exception):
    """The line could not be turned into a command call; the message says how to fix it."""


# The words people use for a role, and what each one is in the console. A moderator has Manage
# Server there (it passes every moderator and admin check), so "admin" and "mod" are one role.
ROLES = {
    "member": "member", "members": "member", "user": "member", "regular": "member",
    "mod": "mod", "mods": "mod", "moderator": "mod", "moderators": "mod",
    "admin": "admin", "admins": "admin", "administrator": "admin", "owner": "admin",
}
ROLE_HELP = ("member (the default), mod or moderator (Manage Server: moderator and admin commands), "
             "admin (the same in the console)")
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


def _unquote(raw: str) -> str:
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


def _convert(param: app_commands.Parameter, raw: str) -> Any:
    raw = _unquote(raw)
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
        if not digits.isdigit():
            raise UsageError(f"{param.name} takes an id number in the console (e.g. {param.name}:123456).")
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
            kwargs[first.name] = _convert(first, leading)
        for name, raw in pairs:
            kwargs[name] = _convert(params[name], raw)
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


class Console:
    """One member's console session. ``out`` receives everything the member would see."""

    def __init__(self, app: SupportApp, tree: app_commands.CommandTree[Any], actor: Actor, *,
                 out: TextIO = sys.stdout, ask: Callable[[str], str | None] | None = None,
                 files_dir: Path | None = None) -> None:
        self.app = app
        self.commands = collect_commands(tree)
        self.actor = actor
        self.out = out
        self.ask = ask or (lambda prompt: None)
        # Under the data folder, one folder per member, so /mydata delete removes them too.
        self.files_dir = files_dir if files_dir is not None else app.member_files.folder
        self.buttons: list[Button] = []
        self.pending_choices: tuple[ConsoleCommand, str, list[Choice], dict[str, Any]] | None = None
        self.last_reply: Reply | None = None
        self.names: dict[int, str] = {actor.user_id: actor.display_name}
        self.role = "mod" if actor.can_manage_guild else "member"
        # Channel watch without Discord: AutoMod simulated in memory, message mode available, and
        # alert cards, audit posts and DMs printed where they would have gone, with their channel.
        self.automod = ConsoleAutomod()
        app.watch.automod = self.automod
        app.watch.message_content = True
        if type(app.outbox) is Outbox:
            app.outbox = ConsoleOutbox(app, self.say, CONSOLE_GUILD_ID, self.names, on_buttons=self._offer_buttons)

    @property
    def prompt(self) -> str:
        """Who is acting, so a script or a screen shows whose turn each line is."""
        role = f" ({self.role})" if self.actor.can_manage_guild else ""
        return f"{self.actor.display_name}{role}> "

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def show(self, reply: Reply) -> None:
        self.last_reply = reply
        text, _ = render(reply, files_dir=self.files_dir / str(self.actor.user_id))
        self.say(text)
        self.buttons = [b for b in reply.buttons if b.custom_id]
        if reply.modal is not None:
            await self.fill_modal(reply.modal)

    async def fill_modal(self, modal: Modal) -> None:
        values: dict[str, str] = {}
        self.say(f"── {modal.title} ── (one line per field; write \\n for a new line; '.' to cancel)")
        for field in modal.fields:
            hint = "" if field.required else " (optional, Enter to skip)"
            current = f" [now: {field.value[:60]}]" if field.value else ""
            answer = self.ask(f"{field.label}{hint}{current}: ")
            if answer is None or answer.strip() == ".":
                self.say("Form cancelled; nothing was saved.")
                return
            if is_console_command(answer):
                # A console command is never a form's text: it would be screened and saved as
                # the member's words. The form closes, as switching away does in Discord.
                self.say("Form cancelled; nothing was saved.")
                await self.handle(answer)
                return
            if not answer.strip() and field.value:
                answer = field.value
            values[field.custom_id] = answer.replace("\\n", "\n")
        await self.show(await self.app.router.dispatch(self.actor, modal.custom_id, values))

    async def handle(self, line: str) -> bool:
        """Run one line; False means the member asked to quit."""
        line = clean_line(line).strip()
        if not line or line.startswith("#"):
            return True
        try:
            return await self._handle(line)
        except UsageError as exc:
            self.say(f"Sorry, {exc}")
        return True

    async def _handle(self, line: str) -> bool:
        if line in {"/quit", "/help", "help"}:
            line = ":" + line.lstrip("/")
        if is_console_command(line):
            return await self._console_command(line)
        if line.isdigit():
            await self.press(int(line))
        elif line.startswith("/"):
            await self.run_command(line[1:])
        else:
            raise UsageError(f"I don't know {line.split()[0][:30]!r}. Commands start with /, and console "
                             "commands with : (:help lists them).")
        return True

    async def _console_command(self, line: str) -> bool:
        """A ``:`` line: handled here, never passed to a command, the triage or the FAQ."""
        name, _, rest = line.partition(" ")
        name = name.casefold()
        if name in {":quit", ":q", ":exit"}:
            return False
        if name == ":help":
            self.say(HELP)
        elif name == ":commands":
            for command in sorted(self.commands.values(), key=lambda c: c.path):
                self.say(f"  {command.usage()}\n      {command.command.description}")
        elif name == ":user":
            self.switch_user(rest)
        elif name == ":post":
            await self.post(rest.strip())
        else:
            raise UsageError(f"I don't know the console command {name[:30]!r}. Console commands: "
                             f"{', '.join(CONSOLE_COMMANDS)} (:help explains them).")
        return True

    def switch_user(self, rest: str) -> None:
        """``:user NAME [ROLE]``: act as another member, with a role from :data:`ROLES`."""
        parts = rest.split()
        if not 1 <= len(parts) <= 2:
            raise UsageError("write :user NAME, or :user NAME ROLE (member, mod or admin). Nothing changed.")
        name = parts[0]
        typed_role = parts[1] if len(parts) == 2 else "member"
        role = ROLES.get(typed_role.casefold())
        if role is None:
            near = process.extractOne(typed_role.casefold(), list(ROLES), scorer=fuzz.ratio, score_cutoff=70)
            hint = f" Did you mean {near[0]}?" if near else ""
            raise UsageError(f"I don't know the role {typed_role[:30]!r}.{hint} Roles: {ROLE_HELP}. Nothing changed.")
        self.actor = replace(console_actor(name, moderator=role != "member"))
        self.role = role
        self.names[self.actor.user_id] = name
        said = {"member": "", "mod": " (moderator)", "admin": " (admin)"}[role]
        self.say(f"You are now {name}{said}.")

    def _offer_buttons(self, buttons: list[Button]) -> None:
        self.buttons = [b for b in buttons if b.custom_id]

    async def post(self, rest: str) -> None:
        """``:post #channel text``: a channel message from the current member, as Discord would
        deliver it to channel watch (an AutoMod execution with ids only, or the message itself)."""
        channel, _, text = rest.partition(" ")
        if not channel.startswith("#") or len(channel) < 2 or not text.strip():
            raise UsageError("write :post #channel your message")
        guild, channel_id, message_id = CONSOLE_GUILD_ID, channel_id_for(channel), next(_message_ids)
        self.say(f"[{self.actor.display_name} posted in {channel}]")
        hit = self.automod.match(guild, text)
        if hit is not None:
            await self.app.watch.on_automod(guild_id=guild, rule_id=hit[0], matched_keyword=hit[1],
                                            user_id=self.actor.user_id, channel_id=channel_id, message_id=message_id)
        await self.app.watch.on_message(guild_id=guild, channel_id=channel_id, message_id=message_id,
                                        author_id=self.actor.user_id, author_is_bot=False, text=text)

    async def press(self, number: int) -> None:
        if self.pending_choices is not None:
            command, param, choices, kwargs = self.pending_choices
            self.pending_choices = None
            if not 1 <= number <= len(choices):
                raise UsageError(f"pick a number from 1 to {len(choices)}.")
            option = next(p for p in command.params if p.name == param)
            value: Any = choices[number - 1].value
            if option.choices or option.type is not AppCommandOptionType.string:
                value = _convert(option, str(value))
            await self.invoke(command, {**kwargs, param: value})
            return
        if not 1 <= number <= len(self.buttons):
            raise UsageError("there is no button with that number." if self.buttons else "there are no buttons to press.")
        button = self.buttons[number - 1]
        assert button.custom_id is not None
        before = self.buttons
        reply = await self.app.router.dispatch(self.actor, button.custom_id)
        await self.show(reply)
        if not reply.buttons and not reply.update and reply.modal is None:
            # In Discord a reply sent as a new message leaves the pressed message, and its buttons,
            # in place (a member can change a "Not helpful" vote); so does the console.
            self.buttons = before
            self.say("(the buttons above still work)")

    def find(self, text: str) -> tuple[ConsoleCommand, str]:
        words = text.split(" ")
        for size in (3, 2, 1):
            path = " ".join(words[:size]).strip()
            if path in self.commands:
                return self.commands[path], " ".join(words[size:])
        group = [f"/{p}" for p in sorted(self.commands) if p.startswith(f"{words[0]} ")]
        if group:  # a command group typed on its own (`/faq-admin`)
            raise UsageError(f"/{words[0]} needs one of: {', '.join(group)}.")
        known = ", ".join(f"/{p}" for p in sorted(self.commands))
        raise UsageError(f"I don't know /{words[0]}. Commands: {known}")

    async def run_command(self, text: str) -> None:
        command, rest = self.find(text)
        if rest.rstrip().endswith("?"):
            await self.suggest(command, rest.rstrip()[:-1])
            return
        await self.invoke(command, parse_options(command, rest))

    async def suggest(self, command: ConsoleCommand, rest: str) -> None:
        """``option:?`` lists that option's choices or its autocomplete suggestions."""
        completers = autocompleted(command.command)
        params = {p.name: p for p in command.params}
        kwargs: dict[str, Any] = {}
        target: str | None = next(iter(completers), None)
        partial = rest
        match = re.search(r"(?:^|\s)(\w+):([^:]*)$", rest)
        if match and match.group(1) in params:
            target, partial = match.group(1), match.group(2)
            kwargs = parse_options(command, rest[: match.start()]) if rest[: match.start()].strip() else {}
        elif target is None:
            with_choices = [p.name for p in command.params if p.choices]
            if not with_choices:
                raise UsageError(f"/{command.path} has no suggestions.")
            target = with_choices[0]
        param = params[target]
        if param.choices:
            needle = _unquote(partial).casefold()
            choices = [Choice(str(c.name), str(c.value)) for c in param.choices
                       if needle in str(c.name).casefold() or needle in str(c.value).casefold()]
        elif target in completers:
            choices = await self._autocomplete(command, target, _unquote(partial))
        else:
            raise UsageError(f"{target} has no list to choose from: {command.usage()}")
        if not choices:
            self.say("No suggestions for that.")
            return
        self.say(f"Choices for {param.name} (type a number):")
        for number, choice in enumerate(choices, start=1):
            self.say(f"  [{number}] {choice.name}")
        self.pending_choices = (command, target, choices, kwargs)

    async def _autocomplete(self, command: ConsoleCommand, option: str, text: str) -> list[Choice]:
        """Run the command's own autocomplete method for ``option``, as Discord would."""
        callback = autocompleted(command.command)[option]
        call = ConsoleCall(self.actor, self.app.core)
        binding = command.command.binding
        if getattr(callback, "pass_command_binding", False) and binding is not None:
            found = await callback(binding, call, text)
        else:
            found = await callback(call, text)
        return [Choice(str(c.name), str(c.value)) for c in found]

    async def invoke(self, command: ConsoleCommand, kwargs: dict[str, Any]) -> None:
        """Run the command's checks, then the command's own method, and show what it replied."""
        self.pending_choices = None
        call = ConsoleCall(self.actor, self.app.core)
        for check in command.command.checks:
            try:
                allowed = await discord.utils.maybe_coroutine(check, call)
            except FriendlyCheckFailure as refused:
                await self.show(reply_for(refused.error))
                return
            if not allowed:
                await self.show(Reply.text("Sorry, you can't use that command here."))
                return
        binding = command.command.binding
        if binding is None:
            raise UsageError(f"/{command.path} is not available in the console.")
        await command.command.callback(binding, call, **kwargs)  # type: ignore[arg-type]
        for reply in call.replies:
            await self.show(reply)


def autocompleted(command: app_commands.Command[Any, ..., Any]) -> dict[str, Any]:
    """The options of ``command`` that have an autocomplete method, in order, with that method.

    discord.py keeps these on the command's parameters; the console calls them exactly as the
    library does for Discord (with the cog bound), so there is no second list to keep in step.
    """
    params = command._params  # discord.py's own parameter objects, which hold the callbacks
    return {name: param.autocomplete for name, param in params.items() if callable(param.autocomplete)}
