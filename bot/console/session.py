"""The local console: the bot's real commands, handlers and database, without Discord.

Commands are read from the same ``app_commands`` tree the Discord client syncs, so options,
types, limits and choices are Discord's; the console then runs the command's checks and calls the
command's own method with a :class:`~bot.frontend.ConsoleCall` in place of the interaction (the
method calls its typed handler, as on Discord) and prints the reply. Autocomplete runs the
command's own autocomplete method the same way.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import discord
from discord import AppCommandOptionType, app_commands
from rapidfuzz import fuzz, process

from bot.app import SupportApp
from bot.console.automod import ConsoleAutomod
from bot.console.identity import (
    CONSOLE_CHANNEL_ID,
    CONSOLE_GUILD_ID,
    ROLE_HELP,
    ROLES,
    channel_id_for,
    console_actor,
    user_id_for,
)
from bot.console.outbox import ConsoleOutbox
from bot.console.parsing import (
    CONSOLE_COMMANDS,
    ConsoleCommand,
    UsageError,
    asks_for_suggestions,
    autocompleted,
    clean_line,
    collect_commands,
    convert,
    is_console_command,
    parse_options,
    unquote,
)
from bot.console.render import render
from bot.errors import reply_for
from bot.frontend import ConsoleCall, FriendlyCheckFailure
from bot.notify import Outbox
from bot.ui import Actor, Button, Choice, Modal, Reply

# Imported from here by the command line and the tests: the console's one front door.
__all__ = ["CONSOLE_CHANNEL_ID", "CONSOLE_GUILD_ID", "HELP", "Console", "UsageError", "channel_id_for",
           "clean_line", "console_actor", "parse_options", "user_id_for"]

_message_ids = itertools.count(600_000_000_000_000_001)

HELP = """Type a slash command as you would in Discord, for example:
  /faq does exercise help
  /faq question:what is pacing private:true
Options are written name:value. A number presses a button from the last reply.
End a word with ? to see autocomplete suggestions (e.g. /faq exer?); a question of several
words ending in ? is asked as it is, and ?? always lists suggestions (/faq what is pa??).
  :commands        list every command and its options
  :user NAME [ROLE] act as another member; ROLE is member (default), mod or admin
  :post #CHANNEL TEXT  post a message in a channel as the current member (channel watch
                   sees it as AutoMod or message mode would; channels are written #name)
  /cmd option:?    list the choices or suggestions for one option
Values with spaces or colons can be quoted: note:"pain: better today"
Channels and roles are written by name: alert_channel:#mod-alerts moderator_role:@Moderators
  :help            this text
  :quit            leave (Ctrl-D works too)"""


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
                value = convert(option, str(value))
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
        if (partial := asks_for_suggestions(rest)) is not None:
            await self.suggest(command, partial)
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
            needle = unquote(partial).casefold()
            choices = [Choice(str(c.name), str(c.value)) for c in param.choices
                       if needle in str(c.name).casefold() or needle in str(c.value).casefold()]
        elif target in completers:
            choices = await self._autocomplete(command, target, unquote(partial))
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
