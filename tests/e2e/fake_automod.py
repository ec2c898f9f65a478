"""AutoMod and member channel messages for the local fake Discord.

Kept apart from the ``fake_discord`` package and attached to a running :class:`FakeDiscord` with
``automod = FakeAutomod(fake)``. It adds what Discord does around AutoMod:

* the rule routes ``GET/POST/PATCH/DELETE /guilds/{id}/auto-moderation/rules…`` (the fake's generic
  check already validates every body against Discord's OpenAPI description; this adds the
  documented limits: 6 KEYWORD rules per server, 1,000 keywords of at most 60 characters, 10
  regexes of at most 260 characters in Rust syntax, 100 allow-list entries, 1-5 actions, an
  existing alert channel, no ``trigger_type`` change on PATCH) and Manage Server (403 / 50013);
* ``AUTO_MODERATION_RULE_CREATE/UPDATE/DELETE`` events (intent ``auto_moderation_configuration``);
* ``await automod.post(user, channel, text)``: a member posts. Enabled KEYWORD rules are matched
  with Discord's documented keyword strategies (whole word between whitespace, ``word*`` prefix,
  ``*word`` suffix, ``*word*`` anywhere; case-insensitive; allow-list matches cancel a keyword
  match inside them), members with Administrator or Manage Server, the owner and bots are exempt;
  each executed action sends ``AUTO_MODERATION_ACTION_EXECUTION`` (intent
  ``auto_moderation_execution``, only to a bot with Manage Server), and ``MESSAGE_CREATE`` goes out
  with intent ``guild_messages``. Without the ``message_content`` intent, ``content`` and
  ``matched_content`` are empty, as on Discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .fake_discord import (
    ADMINISTRATOR,
    MANAGE_GUILD,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMessage,
    FakeUser,
    RecordedRequest,
)
from .fake_discord.base import _now_iso
from .fake_discord.records import _HTTPError

GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
AUTOMOD_CONFIGURATION = 1 << 20
AUTOMOD_EXECUTION = 1 << 21

KEYWORD, SPAM, KEYWORD_PRESET, MENTION_SPAM, MEMBER_PROFILE = 1, 3, 4, 5, 6
PER_GUILD = {KEYWORD: 6, SPAM: 1, KEYWORD_PRESET: 1, MENTION_SPAM: 1, MEMBER_PROFILE: 1}
BLOCK_MESSAGE, SEND_ALERT_MESSAGE, TIMEOUT = 1, 2, 3
AUTO_MODERATION_ACTION = 24  # message type of Discord's own alert post
_NOT_RUST = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=|\\k<")  # look-around and back-references

RULES = "/guilds/{guild_id}/auto-moderation/rules"
RULE = "/guilds/{guild_id}/auto-moderation/rules/{rule_id}"


def keyword_regex(keyword: str) -> re.Pattern[str]:
    """Discord's keyword matching strategies as a regex."""
    core = re.escape(keyword.strip("*").casefold())
    start = "" if keyword.startswith("*") else r"(?:(?<=\s)|^)"
    end = "" if keyword.endswith("*") else r"(?=\s|$)"
    return re.compile(start + core + end)


@dataclass
class Execution:
    """One AutoMod action Discord executed (what the fake dispatched)."""

    guild_id: int
    rule_id: int
    user_id: int
    action_type: int
    matched_keyword: str
    payload: dict[str, Any]


@dataclass
class _Compiled:
    keywords: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    regexes: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    allow: list[re.Pattern[str]] = field(default_factory=list)


class FakeAutomod:
    """AutoMod state for every guild of ``fake``; installs its REST routes on creation."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.rules: dict[int, dict[int, dict[str, Any]]] = {}  # guild id -> rule id -> rule
        self.manage_guild: set[int] = set()  # guilds where the bot holds Manage Server
        self.executions: list[Execution] = []
        self.posted: list[FakeMessage] = []
        self._compiled: dict[int, _Compiled] = {}
        fake._routes.update({
            ("GET", RULES): self._list,
            ("POST", RULES): self._create,
            ("GET", RULE): self._get,
            ("PATCH", RULE): self._patch,
            ("DELETE", RULE): self._delete,
        })

    # -- test helpers -----------------------------------------------------------------------

    def grant_manage_guild(self, guild: FakeGuild, granted: bool = True) -> None:
        (self.manage_guild.add if granted else self.manage_guild.discard)(guild.id)

    def rules_in(self, guild: FakeGuild) -> list[dict[str, Any]]:
        return list(self.rules.get(guild.id, {}).values())

    def _intents(self) -> int:
        session = self.fake._session
        return int(session.identify.get("intents") or 0) if session is not None else 0

    async def human_delete(self, guild: FakeGuild, rule_id: int) -> None:
        """A moderator deletes a rule in Discord's settings."""
        rule = self.rules[guild.id].pop(rule_id)
        self._compiled.pop(rule_id, None)
        await self._rule_event("AUTO_MODERATION_RULE_DELETE", guild.id, rule)

    async def human_edit(self, guild: FakeGuild, rule_id: int, **changes: Any) -> None:
        rule = self.rules[guild.id][rule_id]
        for key, value in changes.items():
            if key in ("keyword_filter", "regex_patterns", "allow_list"):
                rule["trigger_metadata"][key] = value
            else:
                rule[key] = value
        self._compiled.pop(rule_id, None)
        await self._rule_event("AUTO_MODERATION_RULE_UPDATE", guild.id, rule)

    def add_foreign_rule(self, guild: FakeGuild, name: str = "Server's own filter") -> dict[str, Any]:
        """A KEYWORD rule the server made itself (the bot must leave it alone)."""
        rule = self._new_rule(guild.id, self.fake.owner.id, {
            "name": name, "event_type": 1, "trigger_type": KEYWORD,
            "trigger_metadata": {"keyword_filter": ["spoiler"]},
            "actions": [{"type": BLOCK_MESSAGE, "metadata": {}}], "enabled": True,
        })
        return rule

    # -- members posting ----------------------------------------------------------------------

    async def post(self, user: FakeUser, channel: FakeChannel, text: str) -> FakeMessage | None:
        """``user`` posts ``text`` in ``channel``: AutoMod runs, then the message is created.
        Returns the message, or None when an AutoMod rule blocked it."""
        guild = self.fake.guilds[int(channel.guild_id or 0)]
        member = guild.member(user)
        exempt = user.bot or guild.owner_id == user.id or (
            member is not None and bool(member.permissions & (ADMINISTRATOR | MANAGE_GUILD)))
        fired: list[tuple[dict[str, Any], str, str]] = []
        if not exempt:
            for rule in self.rules.get(guild.id, {}).values():
                if not rule["enabled"] or rule["trigger_type"] != KEYWORD or rule["event_type"] != 1:
                    continue
                if channel.id in {int(c) for c in rule.get("exempt_channels") or []}:
                    continue
                if member is not None and {str(r.id) for r in member.roles} & set(rule.get("exempt_roles") or []):
                    continue
                hit = self._match(rule, text)
                if hit is not None:
                    fired.append((rule, *hit))
        blocked = any(a["type"] == BLOCK_MESSAGE for rule, _, _ in fired for a in rule["actions"])
        intents = self._intents()
        content_ok = bool(intents & MESSAGE_CONTENT)
        message: FakeMessage | None = None
        if not blocked:
            message = self.fake._new_message(channel.id, {"content": text}, [])
            message.raw["author"] = user.to_dict()
            message.raw["guild_id"] = str(guild.id)
            if member is not None:
                message.raw["member"] = member.to_dict(with_user=False, with_permissions=False)
            self.posted.append(message)
            if intents & GUILD_MESSAGES:
                event = dict(message.raw)
                if not content_ok:
                    event["content"] = ""
                await self.fake.dispatch("MESSAGE_CREATE", event)
        for rule, keyword, matched in fired:
            for action in rule["actions"]:
                await self._execute(guild, rule, action, user, channel, message, text, keyword, matched, content_ok)
        return message

    async def edit(self, user: FakeUser, message: FakeMessage, text: str) -> None:
        """``user`` edits their ``message``: AutoMod runs again (its MESSAGE_SEND covers edits) and
        ``MESSAGE_UPDATE`` goes out with an ``edited_timestamp``."""
        channel = self.fake.channel(message.channel_id)
        assert channel is not None
        guild = self.fake.guilds[int(channel.guild_id or 0)]
        message.raw["content"] = text
        message.raw["edited_timestamp"] = _now_iso()
        fired = [(rule, *hit) for rule in self.rules.get(guild.id, {}).values()
                 if rule["enabled"] and (hit := self._match(rule, text)) is not None]
        intents = self._intents()
        if intents & GUILD_MESSAGES:
            event = dict(message.raw)
            if not intents & MESSAGE_CONTENT:
                event["content"] = ""
            await self.fake.dispatch("MESSAGE_UPDATE", event)
        for rule, keyword, matched in fired:
            for action in rule["actions"]:
                await self._execute(guild, rule, action, user, channel, message, text, keyword, matched,
                                    bool(intents & MESSAGE_CONTENT))

    def _match(self, rule: dict[str, Any], text: str) -> tuple[str, str] | None:
        compiled = self._compiled.get(int(rule["id"]))
        if compiled is None:
            meta = rule["trigger_metadata"]
            compiled = _Compiled(
                [(k, keyword_regex(k)) for k in meta.get("keyword_filter") or []],
                [(r, re.compile(r)) for r in meta.get("regex_patterns") or []],
                [keyword_regex(a) for a in meta.get("allow_list") or []],
            )
            self._compiled[int(rule["id"])] = compiled
        folded = text.casefold()
        allowed = [m.span() for a in compiled.allow for m in a.finditer(folded)]
        searches = [(label, rx, folded) for label, rx in compiled.keywords]
        searches += [(label, rx, text) for label, rx in compiled.regexes]
        for label, rx, source in searches:
            for m in rx.finditer(source):
                if not any(lo <= m.start() and m.end() <= hi for lo, hi in allowed):
                    return label, text[m.start():m.end()]
        return None

    async def _execute(self, guild: FakeGuild, rule: dict[str, Any], action: dict[str, Any], user: FakeUser,
                       channel: FakeChannel, message: FakeMessage | None, text: str, keyword: str, matched: str,
                       content_ok: bool) -> None:
        payload: dict[str, Any] = {
            "guild_id": str(guild.id),
            "action": action,
            "rule_id": rule["id"],
            "rule_trigger_type": rule["trigger_type"],
            "user_id": str(user.id),
            "channel_id": str(channel.id),
            "content": text if content_ok else "",
            "matched_keyword": keyword,
            "matched_content": matched if content_ok else None,
        }
        if message is not None:
            payload["message_id"] = str(message.id)
        if action["type"] == SEND_ALERT_MESSAGE:
            target = int(action["metadata"]["channel_id"])
            alert = self.fake._new_message(target, {"embeds": [{"description": text, "fields": [
                {"name": "rule_name", "value": rule["name"]}, {"name": "keyword", "value": keyword}]}]}, [],
                msg_type=AUTO_MODERATION_ACTION)
            alert.raw["author"] = user.to_dict()
            payload["alert_system_message_id"] = str(alert.id)
        self.executions.append(Execution(guild.id, int(rule["id"]), user.id, action["type"], keyword, payload))
        if self._intents() & AUTOMOD_EXECUTION and guild.id in self.manage_guild:
            await self.fake.dispatch("AUTO_MODERATION_ACTION_EXECUTION", payload)

    # -- REST ---------------------------------------------------------------------------------

    def _guild(self, params: dict[str, str]) -> FakeGuild:
        guild = self.fake.guilds.get(int(params["guild_id"]))
        if guild is None:
            raise _HTTPError(404, 10004, "Unknown Guild")
        if guild.id not in self.manage_guild:
            raise _HTTPError(403, 50013, "Missing Permissions")
        return guild

    def _rule(self, guild: FakeGuild, params: dict[str, str]) -> dict[str, Any]:
        rule = self.rules.get(guild.id, {}).get(int(params["rule_id"]))
        if rule is None:
            raise _HTTPError(404, 10066, "Unknown auto moderation rule")
        return rule

    async def _list(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, self.rules_in(self._guild(params))

    async def _get(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        guild = self._guild(params)
        return 200, self._rule(guild, params)

    async def _create(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        guild = self._guild(params)
        body = rec.json if isinstance(rec.json, dict) else {}
        kind = int(body.get("trigger_type") or 0)
        if kind not in PER_GUILD:
            raise self._invalid("trigger_type", "Value is not a valid trigger type")
        if sum(1 for r in self.rules_in(guild) if r["trigger_type"] == kind) >= PER_GUILD[kind]:
            raise _HTTPError(400, 30035, f"Maximum number of rules of this trigger type reached ({PER_GUILD[kind]})")
        self._check(guild, body)
        rule = self._new_rule(guild.id, self.fake.bot_user.id, body)
        await self._rule_event("AUTO_MODERATION_RULE_CREATE", guild.id, rule)
        return 200, rule

    async def _patch(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        guild = self._guild(params)
        rule = self._rule(guild, params)
        body = rec.json if isinstance(rec.json, dict) else {}
        if "trigger_type" in body:
            raise self._invalid("trigger_type", "The trigger type of a rule cannot be changed")
        self._check(guild, body)
        for key in ("name", "event_type", "actions", "enabled", "exempt_roles", "exempt_channels"):
            if key in body:
                rule[key] = body[key]
        if "trigger_metadata" in body:
            rule["trigger_metadata"] = self._metadata(body["trigger_metadata"])
        self._compiled.pop(int(rule["id"]), None)
        await self._rule_event("AUTO_MODERATION_RULE_UPDATE", guild.id, rule)
        return 200, rule

    async def _delete(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        guild = self._guild(params)
        rule = self._rule(guild, params)
        del self.rules[guild.id][int(rule["id"])]
        self._compiled.pop(int(rule["id"]), None)
        await self._rule_event("AUTO_MODERATION_RULE_DELETE", guild.id, rule)
        return 204, None

    @staticmethod
    def _invalid(field_name: str, message: str) -> _HTTPError:
        return _HTTPError(400, 50035, "Invalid Form Body",
                          {field_name: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}})

    def _check(self, guild: FakeGuild, body: dict[str, Any]) -> None:
        """Discord's documented limits (the OpenAPI check has already run)."""
        meta = body.get("trigger_metadata") or {}
        for key, count, length in (("keyword_filter", 1000, 60), ("allow_list", 100, 60), ("regex_patterns", 10, 260)):
            items = meta.get(key) or []
            if len(items) > count:
                raise self._invalid(f"trigger_metadata.{key}", f"Must be {count} or fewer in length.")
            for i, item in enumerate(items):
                if not isinstance(item, str) or not item or len(item) > length:
                    raise self._invalid(f"trigger_metadata.{key}.{i}", f"Must be between 1 and {length} in length.")
        for i, rx in enumerate(meta.get("regex_patterns") or []):
            try:
                re.compile(rx)
            except re.error:
                raise self._invalid(f"trigger_metadata.regex_patterns.{i}", "Invalid regex") from None
            if _NOT_RUST.search(rx):
                raise self._invalid(f"trigger_metadata.regex_patterns.{i}", "Regex uses syntax Rust does not support")
        actions = body.get("actions")
        if actions is not None:
            if not 1 <= len(actions) <= 5:
                raise self._invalid("actions", "Must be between 1 and 5 in length.")
            channels = {c.id for c in guild.channels}
            for i, action in enumerate(actions):
                if action.get("type") == SEND_ALERT_MESSAGE:
                    channel = (action.get("metadata") or {}).get("channel_id")
                    if channel is None or int(channel) not in channels:
                        raise self._invalid(f"actions.{i}.metadata.channel_id", "Unknown channel")
        if body.get("name") is not None and not 1 <= len(body["name"]) <= 100:
            raise self._invalid("name", "Must be between 1 and 100 in length.")

    @staticmethod
    def _metadata(meta: dict[str, Any]) -> dict[str, Any]:
        return {"keyword_filter": list(meta.get("keyword_filter") or []),
                "regex_patterns": list(meta.get("regex_patterns") or []),
                "allow_list": list(meta.get("allow_list") or [])}

    def _new_rule(self, guild_id: int, creator_id: int, body: dict[str, Any]) -> dict[str, Any]:
        rule_id = self.fake._snowflake()
        rule = {
            "id": str(rule_id),
            "guild_id": str(guild_id),
            "name": body.get("name", "rule"),
            "creator_id": str(creator_id),
            "event_type": int(body.get("event_type") or 1),
            "trigger_type": int(body.get("trigger_type") or KEYWORD),
            "trigger_metadata": self._metadata(body.get("trigger_metadata") or {}),
            "actions": [{"type": a["type"], "metadata": a.get("metadata") or {}} for a in body.get("actions") or []],
            "enabled": bool(body.get("enabled", False)),  # Discord: disabled unless asked
            "exempt_roles": list(body.get("exempt_roles") or []),
            "exempt_channels": list(body.get("exempt_channels") or []),
        }
        self.rules.setdefault(guild_id, {})[rule_id] = rule
        return rule

    async def _rule_event(self, name: str, guild_id: int, rule: dict[str, Any]) -> None:
        if self._intents() & AUTOMOD_CONFIGURATION and guild_id in self.manage_guild and self.fake._session:
            await self.fake.dispatch(name, rule)


__all__ = ["Execution", "FakeAutomod", "keyword_regex"]
