"""A local fake Discord for end-to-end tests: the real discord.py client talks to it over HTTP + WebSocket.

The fake serves the paths ``bot.endpoint.point_discord_at(fake.url)`` sends traffic to: REST under
``/api/v10/...`` and the gateway at ``/gateway``. Nothing inside discord.py is patched.

In-process use (the bot and the fake share one event loop)::

    async with FakeDiscord() as fake:
        guild = fake.guild("Support Group", channels=["general"])
        alice = fake.user("alice", guild=guild)
        async with running_client(fake, MyClient()) as runner:
            result = await fake.slash("checkin log", pain=5, note="hi", user=alice)
            assert "logged" in result.content
        fake.assert_clean()

What a member does:

* ``await fake.slash("group sub", opt=value, user=..., guild=..., channel=..., dm=False)``. Option
  values are typed from the command definitions the bot synced. Use ``options={...}`` for option
  names that clash with the helper's own keywords (``user``, ``guild``, ``channel`` ...).
* ``await fake.autocomplete("faq", "question", "exerc", user=...)`` returns the offered choices.
* ``await fake.click(result_or_message, "custom_id", user=...)`` (or ``label="Yes"``; ``values=[...]``
  for select menus).
* ``await fake.submit_modal(result, {"field_id": "text"}, user=...)``.

As on Discord, the first followup after a "thinking" defer edits the loading message and ignores
its flags; the fake also records it as a violation, because Discord documents that path as
deprecated (edit ``@original`` instead).

Each helper waits (``timeout``, default ``fake.default_timeout``) until the bot has answered, and
returns an :class:`InteractionResult`: ``.content``, ``.embeds``, ``.components`` (flattened),
``.files``, ``.ephemeral``, ``.deferred``, ``.modal``, ``.followups``, ``.choices``, ``.text``,
``.requests`` and timings.

Faults: ``fake.fail("POST /interactions/{id}/{token}/callback", status=429, retry_after=0.2)``,
``fake.rate_limit(...)``, ``fake.server_error(...)``, ``fake.expire_interactions()``,
``fake.set_dms_closed(user)`` (DMs answer 50007), ``guild.remove_member(user)`` (once no guild is
shared, DMs answer 50278); gateway: ``await fake.close_gateway(1000 | 1006 | 4000, hold=False)``,
``fake.hold_gateway()`` / ``fake.release_gateway()``, ``await fake.invalid_session(resumable)``,
``await fake.reconnect()``.

As a separate process: ``python tests/e2e/fake_discord.py --port 8765`` (or ``python -m
tests.e2e.fake_discord`` where the ``tests`` package is importable). It prints
``FAKE_DISCORD_READY <url>`` once it listens. Drive it from another process with
:class:`RemoteFake`, or with plain HTTP on the control routes under ``/_fake/`` (see
:meth:`FakeDiscord._control_routes`). :func:`start_fake_process` starts one and waits for it.
"""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, WSMsgType, web

try:  # imported as part of the tests package
    from .fake_shards import MAX_GUILDS_PER_SHARD, IdentifyLimiter, parse_shard, shard_of
    from .openapi_validator import CALLBACK_ROUTE, get_validator, message_payload, normalise_path
except ImportError:  # run as a script: python tests/e2e/fake_discord.py
    from fake_shards import MAX_GUILDS_PER_SHARD, IdentifyLimiter, parse_shard, shard_of  # type: ignore[no-redef]
    from openapi_validator import (  # type: ignore[no-redef]
        CALLBACK_ROUTE,
        get_validator,
        message_payload,
        normalise_path,
    )

__all__ = [
    "BotCrashed",
    "Choice",
    "Choices",
    "ClientRunner",
    "FakeChannel",
    "FakeComponent",
    "FakeDiscord",
    "FakeFile",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeModal",
    "FakeRole",
    "FakeUser",
    "Fault",
    "InteractionResult",
    "InteractionTimeout",
    "MentionViolation",
    "ModalField",
    "RecordedRequest",
    "RemoteFake",
    "Violation",
    "running_client",
    "serve_forever",
    "start_fake_process",
]

DISCORD_EPOCH_MS = 1420070400000
JSON_TYPE = "application/json"
API = "/api/v10"

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MODERATE_MEMBERS = 1 << 40
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
COMPONENTS_V2 = 1 << 15
EDITABLE_FLAGS = SUPPRESS_EMBEDS | COMPONENTS_V2
DEFERRED_FOLLOWUP_DEPRECATED = (
    "the first followup after a deferred response edits the loading message, ignores its flags and "
    "is deprecated; edit the original response (PATCH .../messages/@original) instead"
)

# Interaction types and callback types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CB_MESSAGE, CB_DEFER, CB_DEFER_UPDATE, CB_UPDATE, CB_AUTOCOMPLETE, CB_MODAL = 4, 5, 6, 7, 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CB_MESSAGE, CB_DEFER, CB_MODAL},
    MESSAGE_COMPONENT: {CB_MESSAGE, CB_DEFER, CB_DEFER_UPDATE, CB_UPDATE, CB_MODAL},
    AUTOCOMPLETE: {CB_AUTOCOMPLETE},
    MODAL_SUBMIT: {CB_MESSAGE, CB_DEFER, CB_DEFER_UPDATE, CB_UPDATE},
}

# Option types
OPT_SUB, OPT_GROUP, OPT_STRING, OPT_INTEGER, OPT_BOOLEAN = 1, 2, 3, 4, 5
OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = 6, 7, 8, 9, 10, 11

SELECT_TYPES = {3, 5, 6, 7, 8}


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true", "yes"}


# ==================================================================================================
# Errors
# ==================================================================================================


class InteractionTimeout(AssertionError):
    """The bot did not answer an interaction in time. The message says what the fake saw."""


class BotCrashed(AssertionError):
    """A client task watched by the fake finished while a test was waiting on it."""


# ==================================================================================================
# Users, guilds, channels, roles
# ==================================================================================================


@dataclass(eq=False)
class FakeUser:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def __repr__(self) -> str:
        return f"<FakeUser {self.name} {self.id}>"


@dataclass(eq=False)
class FakeRole:
    id: int
    name: str
    guild_id: int
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }

    def __repr__(self) -> str:
        return f"<FakeRole {self.name} {self.id}>"


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str | None
    type: int = 0  # 0 text, 1 DM, 2 voice, 4 category, 5 announcement, 15 forum
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    parent_id: int | None = None
    recipient: FakeUser | None = None  # DM channels

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == 1

    def to_dict(self, *, permissions: int | None = None, with_guild_id: bool = True) -> dict[str, Any]:
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.to_dict()],
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
        }
        if self.type in (0, 5, 15):
            data.update(topic=self.topic, nsfw=self.nsfw, last_message_id=None, rate_limit_per_user=0)
        if with_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeChannel {self.name or 'DM'} {self.id}>"


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild: FakeGuild
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    extra_permissions: int = 0
    permissions_override: int | None = None
    joined_at: str = field(default_factory=_now_iso)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def permissions(self) -> int:
        """Guild-level permissions: @everyone, then roles, then the extras; administrator means all."""
        if self.permissions_override is not None:
            perms = self.permissions_override
        else:
            perms = self.guild.everyone.permissions
            for role in self.roles:
                perms |= role.permissions
            perms |= self.extra_permissions
        if self.guild.owner_id == self.user.id or perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def to_dict(self, *, with_user: bool = True, with_permissions: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeMember {self.user.name} of {self.guild.name}>"


class FakeGuild:
    """A guild with channels, roles and members. Build it with :meth:`FakeDiscord.guild`."""

    def __init__(self, fake: FakeDiscord, guild_id: int, name: str, owner_id: int) -> None:
        self._fake = fake
        self.id = guild_id
        self.name = name
        self.owner_id = owner_id
        self.locale = "en-US"
        self.channels: list[FakeChannel] = []
        self.roles: list[FakeRole] = [FakeRole(guild_id, "@everyone", guild_id, EVERYONE_PERMISSIONS)]
        self.members: dict[int, FakeMember] = {}
        self.member_count: int | None = None  # None: the members the fake knows, plus the bot

    @property
    def everyone(self) -> FakeRole:
        return self.roles[0]

    def add_channel(
        self, name: str, *, type: int = 0, topic: str | None = None, nsfw: bool = False
    ) -> FakeChannel:
        channel = FakeChannel(
            self._fake._snowflake(), name, type, self.id, len(self.channels), topic=topic, nsfw=nsfw
        )
        self.channels.append(channel)
        self._fake._channels[channel.id] = channel
        return channel

    def channel(self, name: str | None = None) -> FakeChannel:
        """The text channel called ``name``, or the first text channel."""
        for channel in self.channels:
            if channel.type in (0, 5) and (name is None or channel.name == name):
                return channel
        if name is None:
            return self.add_channel("general")
        raise LookupError(f"{self.name} has no channel {name!r}")

    def add_role(
        self, name: str, *, permissions: int = 0, color: int = 0, mentionable: bool = False
    ) -> FakeRole:
        role = FakeRole(
            self._fake._snowflake(),
            name,
            self.id,
            permissions,
            len(self.roles),
            color,
            mentionable=mentionable,
        )
        self.roles.append(role)
        return role

    def role(self, name: str) -> FakeRole:
        for role in self.roles:
            if role.name == name:
                return role
        raise LookupError(f"{self.name} has no role {name!r}")

    def add_member(
        self,
        user: FakeUser,
        *,
        roles: Iterable[FakeRole | str] = (),
        nick: str | None = None,
        admin: bool = False,
        manage_guild: bool = False,
        permissions: int | None = None,
    ) -> FakeMember:
        """Make ``user`` a member; ``admin``/``manage_guild`` add those permission bits."""
        resolved = [r if isinstance(r, FakeRole) else self.role(r) for r in roles]
        extra = (ADMINISTRATOR if admin else 0) | (MANAGE_GUILD if manage_guild else 0)
        member = self.members.get(user.id)
        if member is None:
            member = FakeMember(user, self, resolved, nick, extra, permissions)
            self.members[user.id] = member
        else:
            member.roles = resolved or member.roles
            member.nick = nick if nick is not None else member.nick
            member.extra_permissions |= extra
            if permissions is not None:
                member.permissions_override = permissions
        return member

    def member(self, user: FakeUser | int) -> FakeMember | None:
        return self.members.get(user if isinstance(user, int) else user.id)

    def remove_member(self, user: FakeUser) -> None:
        """``user`` leaves this guild. Once they share no guild with the bot, a DM to them gets
        403 / 50278, as on Discord."""
        self.members.pop(user.id, None)
        self._fake._left_users.add(user.id)

    def to_create_payload(self, bot: FakeUser) -> dict[str, Any]:
        bot_member = FakeMember(bot, self, [], joined_at=_now_iso())
        members = [bot_member.to_dict(with_permissions=False)]
        members += [m.to_dict(with_permissions=False) for m in self.members.values()]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": list(getattr(self, "features", ())),  # e.g. ["COMMUNITY"]
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw": False,
            "lazy": True,
            "large": False,
            "unavailable": False,
            "joined_at": bot_member.joined_at,
            "member_count": self.member_count if self.member_count is not None else len(self.members) + 1,
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict(with_guild_id=False) for c in self.channels],
            "threads": [],
            "members": members,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "incidents_data": None,
            "version": 0,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "features": [],
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "preferred_locale": self.locale,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "approximate_member_count": len(self.members) + 1,
        }

    def __repr__(self) -> str:
        return f"<FakeGuild {self.name} {self.id}>"


# ==================================================================================================
# Messages, files, components, modals
# ==================================================================================================


@dataclass
class FakeFile:
    """A file the bot uploaded (or an attachment a member passes to an attachment option)."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    id: int = 0

    @property
    def name(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def spoiler(self) -> bool:
        return self.filename.startswith("SPOILER_")

    def summary(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


@dataclass
class FakeComponent:
    """One interactive component of a message (buttons and selects), flattened out of its row."""

    type: int
    custom_id: str | None = None
    label: str | None = None
    style: int | None = None
    url: str | None = None
    disabled: bool = False
    emoji: dict[str, Any] | None = None
    placeholder: str | None = None
    options: list[dict[str, Any]] = field(default_factory=list)
    min_values: int | None = None
    max_values: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_button(self) -> bool:
        return self.type == 2

    @property
    def is_link(self) -> bool:
        return self.type == 2 and self.style == 5

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> FakeComponent:
        return cls(
            type=raw.get("type", 0),
            custom_id=raw.get("custom_id"),
            label=raw.get("label"),
            style=raw.get("style"),
            url=raw.get("url"),
            disabled=bool(raw.get("disabled")),
            emoji=raw.get("emoji"),
            placeholder=raw.get("placeholder"),
            options=list(raw.get("options") or []),
            min_values=raw.get("min_values"),
            max_values=raw.get("max_values"),
            raw=raw,
        )


def _walk_components(components: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from _walk_components(comp.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from _walk_components([comp[key]])


def _flatten_components(rows: Iterable[Any]) -> list[FakeComponent]:
    return [
        FakeComponent.from_raw(c)
        for c in _walk_components(rows)
        if c.get("type") == 2 or c.get("type") in SELECT_TYPES
    ]


def _embed_text(embed: Mapping[str, Any]) -> list[str]:
    parts = [embed.get("title"), embed.get("description")]
    for fld in embed.get("fields") or []:
        parts += [fld.get("name"), fld.get("value")]
    for key, sub in (("author", "name"), ("footer", "text")):
        if isinstance(embed.get(key), dict):
            parts.append(embed[key].get(sub))
    return [p for p in parts if isinstance(p, str) and p]


class FakeMessage:
    """A message the bot created (interaction response, followup, channel or DM message)."""

    def __init__(
        self, raw: dict[str, Any], files: list[FakeFile], *, interaction: InteractionResult | None = None
    ):
        self.raw = raw
        self.files = files
        self.interaction = interaction
        self.deleted = False
        self.history: list[dict[str, Any]] = []  # earlier versions, oldest first

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    @property
    def channel_id(self) -> int:
        return int(self.raw["channel_id"])

    @property
    def content(self) -> str:
        return self.raw.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.raw.get("embeds") or [])

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The top-level components as sent (action rows)."""
        return list(self.raw.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.raw.get("flags") or 0)

    @property
    def components(self) -> list[FakeComponent]:
        return _flatten_components(self.rows)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def edits(self) -> int:
        return len(self.history)

    @property
    def text(self) -> str:
        """Content and all embed text (title, description, fields, author, footer), one per line."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts += _embed_text(embed)
        parts += [
            c["content"] for c in _walk_components(self.rows) if c.get("type") == 10 and c.get("content")
        ]
        return "\n".join(parts)

    def component(self, custom_id: str | None = None, *, label: str | None = None) -> FakeComponent:
        for comp in self.components:
            if (custom_id is not None and comp.custom_id == custom_id) or (
                label is not None and comp.label == label
            ):
                return comp
        have = [(c.label, c.custom_id) for c in self.components]
        raise LookupError(f"message {self.id} has no component {custom_id or label!r}; it has {have}")

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "content": self.content,
            "embeds": self.embeds,
            "components": [dataclasses.asdict(c) | {"raw": None} for c in self.components],
            "files": [f.summary() for f in self.files],
            "ephemeral": self.ephemeral,
            "loading": self.loading,
            "deleted": self.deleted,
            "edits": self.edits,
            "flags": self.flags,
        }

    def __repr__(self) -> str:
        return f"<FakeMessage {self.id} {self.content[:40]!r}{' ephemeral' if self.ephemeral else ''}>"


@dataclass
class ModalField:
    custom_id: str
    label: str | None
    style: int
    required: bool
    min_length: int | None
    max_length: int | None
    value: str | None
    placeholder: str | None
    in_label: bool  # wrapped in a Label component (type 18) rather than an action row
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass
class FakeModal:
    custom_id: str
    title: str
    fields: list[ModalField]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def field(self, custom_id: str) -> ModalField:
        for fld in self.fields:
            if fld.custom_id == custom_id:
                return fld
        raise LookupError(f"modal {self.title!r} has no field {custom_id!r}")

    @classmethod
    def from_raw(cls, data: dict[str, Any]) -> FakeModal:
        fields = []
        for top in data.get("components") or []:
            if top.get("type") == 18 and isinstance(top.get("component"), dict):
                inner, in_label, label = [top["component"]], True, top.get("label")
            elif top.get("type") == 1:
                inner, in_label, label = top.get("components") or [], False, None
            else:
                continue
            for comp in inner:
                if comp.get("type") != 4:
                    continue
                fields.append(
                    ModalField(
                        custom_id=comp.get("custom_id", ""),
                        label=label or comp.get("label"),
                        style=comp.get("style", 1),
                        required=comp.get("required", True) is not False,
                        min_length=comp.get("min_length"),
                        max_length=comp.get("max_length"),
                        value=comp.get("value"),
                        placeholder=comp.get("placeholder"),
                        in_label=in_label,
                        raw=comp,
                    )
                )
        return cls(data.get("custom_id", ""), data.get("title", ""), fields, data)


@dataclass(frozen=True)
class Choice:
    name: str
    value: Any


class Choices(list):
    """Autocomplete choices, in the order the bot offered them."""

    result: InteractionResult

    @property
    def names(self) -> list[str]:
        return [c.name for c in self]

    @property
    def values(self) -> list[Any]:
        return [c.value for c in self]


# ==================================================================================================
# Requests, violations, faults
# ==================================================================================================


@dataclass
class RecordedRequest:
    method: str
    path: str  # as sent, without the query string
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[FakeFile]
    time: float  # perf_counter() when the request arrived
    route: str | None = None  # the path template of Discord's API description
    status: int = 0
    response: Any = None
    fault: Fault | None = None
    violations: list[str] = field(default_factory=list)
    content_type: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {normalise_path(self.path)}"

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "query": self.query,
            "json": self.json,
            "files": [f.summary() for f in self.files],
            "status": self.status,
            "faulted": self.fault is not None,
            "violations": self.violations,
            "time": self.time,
        }

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class Violation:
    """A request body that real Discord would reject (see ``openapi_validator``)."""

    method: str
    path: str
    route: str | None
    schema: str | None
    errors: list[str]
    body: Any = field(repr=False, default=None)

    def __str__(self) -> str:
        return f"{self.method} {self.route or self.path} ({self.schema}): " + "; ".join(self.errors)


@dataclass
class MentionViolation:
    """A message-creating request without ``allowed_mentions: {"parse": []}``."""

    method: str
    path: str
    allowed_mentions: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: allowed_mentions={_dumps(self.allowed_mentions)}"


def _compile_pattern(pattern: str) -> tuple[str, re.Pattern[str]]:
    method, _, path = pattern.strip().partition(" ")
    if not path:
        method, path = "*", method
    path = normalise_path(path.strip())
    regex = ""
    for piece in re.split(r"(\{[^}]*\}|\*\*|\*)", path):
        if piece == "**":
            regex += ".*"
        elif piece == "*" or (piece.startswith("{") and piece.endswith("}")):
            regex += "[^/]+"
        else:
            regex += re.escape(piece)
    return method.upper(), re.compile(f"^{regex}/?$")


@dataclass
class Fault:
    """Answer matching requests with ``status`` (``times`` times; ``None`` means until removed)."""

    pattern: str
    status: int
    times: int | None = 1
    code: int | None = None
    message: str | None = None
    retry_after: float | None = None
    is_global: bool = False
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    when: Callable[[RecordedRequest], bool] | None = field(default=None, repr=False)
    hits: int = 0
    id: int = 0

    def __post_init__(self) -> None:
        self._method, self._regex = _compile_pattern(self.pattern)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, rec: RecordedRequest) -> bool:
        if self.exhausted:
            return False
        if self._method not in ("*", rec.method):
            return False
        if not self._regex.match(normalise_path(rec.path)):
            return False
        return self.when is None or self.when(rec)

    def response_body(self) -> Any:
        if self.body is not None:
            return self.body
        if self.status == 429:
            return {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after if self.retry_after is not None else 0.1,
                "global": self.is_global,
            }
        code = self.code if self.code is not None else 0
        message = self.message or _ERROR_MESSAGES.get(code) or _STATUS_MESSAGES.get(self.status, "Error")
        return {"message": message, "code": code}


_ERROR_MESSAGES = {
    10003: "Unknown Channel",
    10008: "Unknown Message",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50006: "Cannot send an empty message",
    50007: "Cannot send messages to this user",
    50278: "Cannot send messages to this user due to having no mutual guilds",
    50013: "Missing Permissions",
    50027: "Invalid Webhook Token",
    50033: "Invalid Recipient(s)",
    50035: "Invalid Form Body",
}
_STATUS_MESSAGES = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "403: Forbidden",
    404: "404: Not Found",
    405: "405: Method Not Allowed",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
}


class _HTTPError(Exception):
    def __init__(self, status: int, code: int = 0, message: str | None = None, errors: Any = None) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.body: dict[str, Any] = {
            "message": message or _ERROR_MESSAGES.get(code) or _STATUS_MESSAGES.get(status, "Error"),
            "code": code,
        }
        if errors is not None:
            self.body["errors"] = errors


def _form_errors(messages: list[str]) -> dict[str, Any]:
    """Discord's nested ``errors`` object for a 50035 answer, built from the validator's messages."""
    tree: dict[str, Any] = {}
    for message in messages:
        location, _, text = message.partition(": ")
        keys = [k for k in re.split(r"[.\[\]]+", location) if k][1:] if location.startswith("body") else []
        node = tree
        for key in keys:
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": text or message})
    return tree


# ==================================================================================================
# Interactions
# ==================================================================================================


class InteractionResult:
    """One interaction a fake member started, and what they saw of the bot's answer."""

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        id: int,
        token: str,
        type: int,
        payload: dict[str, Any],
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        command: str | None = None,
        source_message: FakeMessage | None = None,
        focused: dict[str, Any] | None = None,
    ) -> None:
        self._fake = fake
        self.id = id
        self.token = token
        self.type = type
        self.payload = payload
        self.user = user
        self.guild = guild
        self.channel = channel
        self.command = command
        self.source_message = source_message
        self.focused_option = focused
        self.callback: dict[str, Any] | None = None  # the accepted callback body
        self.callback_type: int | None = None
        self.message: FakeMessage | None = None  # the original response (after edits)
        self.followups: list[FakeMessage] = []
        self.modal: FakeModal | None = None
        self.choices: Choices = Choices()
        self.choices.result = self
        self.seq: int | None = None
        self.dispatched_at: float | None = None  # perf_counter() when INTERACTION_CREATE was written
        self.callback_at: float | None = None  # perf_counter() when the first callback request arrived
        self.acknowledged_at: float | None = None  # ... when a callback was accepted
        self.answered_at: float | None = None  # ... when the member saw an answer
        self.expired = False

    # -- what the member saw -------------------------------------------------------------------

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    @property
    def answered(self) -> bool:
        if self.callback_type is None:
            return False
        if self.callback_type == CB_DEFER:
            return self.message is not None and not self.message.loading
        return True

    @property
    def deferred(self) -> bool:
        return self.callback_type in (CB_DEFER, CB_DEFER_UPDATE)

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message else []

    @property
    def components(self) -> list[FakeComponent]:
        return self.message.components if self.message else []

    @property
    def files(self) -> list[FakeFile]:
        return self.message.files if self.message else []

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def messages(self) -> list[FakeMessage]:
        """The original response (if any) and the followups, in order."""
        return ([self.message] if self.message else []) + self.followups

    @property
    def text(self) -> str:
        """Everything the member can read: content and embed text of all messages."""
        return "\n".join(m.text for m in self.messages if not m.deleted and m.text)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the bot made with this interaction's token."""
        return [r for r in self._fake.requests if self.token in r.path]

    @property
    def latency(self) -> float | None:
        """Seconds from writing INTERACTION_CREATE to the arrival of the first callback."""
        if self.dispatched_at is None or self.callback_at is None:
            return None
        return self.callback_at - self.dispatched_at

    # -- waiting -------------------------------------------------------------------------------

    async def wait(self, timeout: float | None = None) -> InteractionResult:
        """Wait until the member sees an answer (for a thinking defer: the first real content)."""
        await self.wait_for(lambda r: r.answered, timeout, "an answer")
        return self

    async def wait_for_followups(self, count: int = 1, timeout: float | None = None) -> list[FakeMessage]:
        await self.wait_for(lambda r: len(r.followups) >= count, timeout, f"{count} followup(s)")
        return self.followups

    async def wait_for(
        self, predicate: Callable[[InteractionResult], bool], timeout: float | None = None, what: str = "it"
    ) -> None:
        try:
            await self._fake.wait_until(lambda: predicate(self), timeout, what)
        except InteractionTimeout as exc:
            raise InteractionTimeout(f"{exc}\n{self.describe()}") from None

    # -- diagnostics ---------------------------------------------------------------------------

    def describe(self) -> str:
        name = {2: "slash", 3: "component", 4: "autocomplete", 5: "modal submit"}.get(
            self.type, str(self.type)
        )
        lines = [f"interaction {self.id} ({name} {self.command or ''}) by {self.user.name}:"]
        lines.append(
            f"  INTERACTION_CREATE written: {f'yes (seq {self.seq})' if self.dispatched_at else 'no'}"
        )
        lines.append(f"  accepted callback type: {self.callback_type}")
        for rec in self.requests:
            extra = f" violations={rec.violations}" if rec.violations else ""
            extra += f" fault={rec.fault.status}" if rec.fault else ""
            lines.append(f"  {rec.method} {normalise_path(rec.path)} -> {rec.status}{extra}")
        for v in self._fake.violations:
            lines.append(f"  violation: {v}")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "command": self.command,
            "user": self.user.name,
            "acknowledged": self.acknowledged,
            "answered": self.answered,
            "callback_type": self.callback_type,
            "deferred": self.deferred,
            "content": self.content,
            "embeds": self.embeds,
            "components": [dataclasses.asdict(c) | {"raw": None} for c in self.components],
            "files": [f.summary() for f in self.files],
            "ephemeral": self.ephemeral,
            "message": self.message.summary() if self.message else None,
            "followups": [m.summary() for m in self.followups],
            "modal": None
            if self.modal is None
            else {
                "custom_id": self.modal.custom_id,
                "title": self.modal.title,
                "fields": [dataclasses.asdict(f) | {"raw": None} for f in self.modal.fields],
            },
            "choices": [{"name": c.name, "value": c.value} for c in self.choices],
            "text": self.text,
            "dispatched_at": self.dispatched_at,
            "callback_at": self.callback_at,
            "answered_at": self.answered_at,
            "latency": self.latency,
            "expired": self.expired,
        }

    def __repr__(self) -> str:
        return f"<InteractionResult {self.id} {self.command or self.type} callback={self.callback_type}>"


# ==================================================================================================
# Gateway
# ==================================================================================================


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.request = request
        self.transport = request.transport
        self._zlib = zlib.compressobj() if compress else None
        self.compressed = compress
        self.session: _Session | None = None
        self.live = True  # False once the fake has closed or dropped it

    async def send(self, frame: str) -> None:
        if self._zlib is not None:
            data = self._zlib.compress(frame.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(frame)


@dataclass
class _Session:
    id: str
    conn: _Connection | None = None
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    on_write: dict[int, Callable[[float], None]] = field(default_factory=dict)
    invalid: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    identify: dict[str, Any] = field(default_factory=dict)
    shard: tuple[int, int] = (0, 1)  # (id, count) from IDENTIFY


# ==================================================================================================
# The fake
# ==================================================================================================

_DEFAULT = object()


class FakeDiscord:
    """A fake Discord (REST + gateway) on 127.0.0.1. Use ``async with FakeDiscord() as fake``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        zlib_stream: bool = False,
        validate: bool = True,
        reject_invalid: bool = True,
        token: str | None = None,
        bot_name: str = "supportbot",
        heartbeat_interval_ms: int = 41250,
        ack_deadline: float | None = 3.0,
        token_lifetime: float = 15 * 60,
        default_timeout: float = 5.0,
        replay_window: int = 10000,
        app_permissions: int = BOT_PERMISSIONS,
        max_concurrency: int = 1,
        identify_window: float | None = None,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
    ) -> None:
        self.host = host
        self.port = port
        self.zlib_stream = zlib_stream
        self.validate = validate
        self.reject_invalid = reject_invalid
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.default_timeout = default_timeout
        self.replay_window = replay_window
        self.app_permissions = app_permissions

        self._last_snowflake = 0
        self.owner = FakeUser(self._snowflake(), "owner")
        self.bot_user = FakeUser(self._snowflake(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.users: dict[int, FakeUser] = {self.owner.id: self.owner, self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._dm_channels: dict[int, FakeChannel] = {}  # user id -> DM channel
        self._dms_closed: set[int] = set()
        self._left_users: set[int] = set()  # left a guild: DMs need a guild shared with the bot
        self.messages: dict[int, FakeMessage] = {}
        self._nonces: dict[tuple[int, str], int] = {}  # (channel, nonce) -> message id (enforce_nonce)
        self.nonce_repeats = 0  # messages not created again because their nonce was already used
        self._attachments: dict[int, FakeFile] = {}

        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}

        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.mention_violations: list[MentionViolation] = []
        self.unexpected: list[RecordedRequest] = []  # unknown routes (answered 404)
        self.internal_errors: list[str] = []  # exceptions inside the fake's own handlers
        self.faults: list[Fault] = []
        self._fault_ids = itertools.count(1)

        self.interactions: dict[int, InteractionResult] = {}
        self._by_token: dict[str, InteractionResult] = {}
        self._interaction_created: dict[int, float] = {}  # id -> monotonic time of creation

        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_log: list[tuple[float, str, Any]] = []  # (perf_counter, what, detail)
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None  # the latest IDENTIFY's session
        # Sharding: the live session of each shard id, the identify limit per bucket (see
        # fake_shards.py), and which guilds each shard was given in READY.
        self.shard_sessions: dict[int, _Session] = {}
        self.identify_limiter = IdentifyLimiter(max_concurrency, identify_window)
        self.max_guilds_per_shard = max_guilds_per_shard
        self.shard_guilds: dict[int, set[int]] = {}
        self._connections: set[_Connection] = set()
        self._gateway_open = asyncio.Event()
        self._gateway_open.set()

        self._changed = asyncio.Event()
        self._watched: list[asyncio.Task[Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._validator = get_validator()  # also used for routing when validate=False
        self._routes = self._rest_routes()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("GET", "/gateway/", self._gateway)
        app.router.add_route("GET", "/cdn/attachments/{channel}/{id}/{name}", self._cdn)
        for method, path, handler in self._control_routes():
            app.router.add_route(method, path, handler)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if not self.port:
            server = site._server
            assert server is not None and server.sockets  # type: ignore[union-attr]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for conn in list(self._connections):
            conn.live = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 0.5)
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- ids -----------------------------------------------------------------------------------

    def _snowflake(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        value = max(value, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    # -- factories -----------------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        guild: FakeGuild | None = None,
        roles: Iterable[FakeRole | str] = (),
        admin: bool = False,
        manage_guild: bool = False,
        permissions: int | None = None,
        global_name: str | None = None,
        bot: bool = False,
    ) -> FakeUser:
        """A user called ``name`` (the same object for the same name). With ``guild``, also a member."""
        user = self.find_user(name)
        if user is None:
            user = FakeUser(self._snowflake(), name, global_name, bot)
            self.users[user.id] = user
        if guild is not None or admin or manage_guild or roles or permissions is not None:
            target = guild or self.default_guild
            target.add_member(
                user, roles=roles, admin=admin, manage_guild=manage_guild, permissions=permissions
            )
        return user

    def find_user(self, name_or_id: str | int) -> FakeUser | None:
        if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
            return self.users.get(int(name_or_id))
        return next((u for u in self.users.values() if u.name == name_or_id), None)

    def guild(
        self,
        name: str = "Support Group",
        *,
        channels: Sequence[str] = ("general",),
        roles: Mapping[str, int] | Sequence[str] = (),
        owner: FakeUser | None = None,
        member_count: int | None = None,
        guild_id: int | None = None,
    ) -> FakeGuild:
        """A guild (the same object for the same name). ``roles``: names, or ``{name: permissions}``.
        ``guild_id`` chooses the id (and so the shard: ids made in one millisecond share one)."""
        for existing in self.guilds.values():
            if existing.name == name:
                return existing
        guild = FakeGuild(self, guild_id or self._snowflake(), name, (owner or self.owner).id)
        guild.member_count = member_count
        for channel in channels:
            guild.add_channel(channel)
        role_items = roles.items() if isinstance(roles, Mapping) else ((r, 0) for r in roles)
        for role_name, perms in role_items:
            guild.add_role(role_name, permissions=perms)
        self.guilds[guild.id] = guild
        session = self._session_for(guild.id)
        if session is not None and session.conn is not None:
            self._spawn(self.dispatch("GUILD_CREATE", guild.to_create_payload(self.bot_user)))
        return guild

    @property
    def default_guild(self) -> FakeGuild:
        if not self.guilds:
            return self.guild()
        return next(iter(self.guilds.values()))

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(self._snowflake(), None, 1, recipient=user)
            self._dm_channels[user.id] = channel
            self._channels[channel.id] = channel
        return channel

    def channel(self, channel_id: int) -> FakeChannel | None:
        return self._channels.get(channel_id)

    # -- DMs and channel messages --------------------------------------------------------------

    def set_dms_closed(self, user: FakeUser, closed: bool = True) -> None:
        """Make ``POST /channels/{dm}/messages`` to this user answer 403 / 50007."""
        if closed:
            self._dms_closed.add(user.id)
        else:
            self._dms_closed.discard(user.id)

    def _no_shared_guild(self, user: FakeUser) -> bool:
        return user.id in self._left_users and not any(user.id in g.members for g in self.guilds.values())

    def dms_for(self, user: FakeUser) -> list[FakeMessage]:
        """Messages the bot sent to ``user``'s DM channel (not deleted), oldest first."""
        channel = self._dm_channels.get(user.id)
        if channel is None:
            return []
        return self.messages_in(channel)

    def messages_in(self, channel: FakeChannel, *, include_ephemeral: bool = False) -> list[FakeMessage]:
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel.id and not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    # -- waiting -------------------------------------------------------------------------------

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def watch(self, task: asyncio.Task[Any]) -> None:
        """Fail waits at once (with :class:`BotCrashed`) if ``task`` finishes."""
        self._watched.append(task)
        task.add_done_callback(lambda _t: self._notify())

    def unwatch(self, task: asyncio.Task[Any]) -> None:
        with contextlib.suppress(ValueError):
            self._watched.remove(task)

    def _check_watched(self) -> None:
        for task in self._watched:
            if task.done():
                exc = None if task.cancelled() else task.exception()
                raise BotCrashed(f"the bot's client task ended while waiting: {exc!r}") from exc

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float | None = None, what: str = "it"
    ) -> None:
        """Wait until ``predicate()`` is true; state changes in the fake wake the wait."""
        timeout = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not predicate():
            self._check_watched()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InteractionTimeout(f"timed out after {timeout:.2f}s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.02))

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until a gateway session is live (READY or RESUMED sent)."""
        await self.wait_until(lambda: self.connected, timeout, "the bot to connect to the gateway")

    async def wait_for_identify(self, count: int = 1, timeout: float | None = None) -> None:
        await self.wait_until(lambda: self.identify_count >= count, timeout, f"IDENTIFY #{count}")

    async def wait_for_resume(self, count: int = 1, timeout: float | None = None) -> None:
        await self.wait_until(lambda: self.resume_count >= count, timeout, f"RESUME #{count}")

    @property
    def connected(self) -> bool:
        session = self._session
        return session is not None and session.conn is not None and session.conn.live

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- records -------------------------------------------------------------------------------

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` if any request was invalid, pinged, or hit an unknown route."""
        problems = [f"invalid request: {v}" for v in self.violations]
        problems += [f"mentions not suppressed: {v}" for v in self.mention_violations]
        problems += [f"unknown route: {r.method} {r.path}" for r in self.unexpected]
        problems += [f"error inside the fake: {e}" for e in self.internal_errors]
        if problems:
            raise AssertionError("the fake Discord saw problems:\n  " + "\n  ".join(problems))

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke one on purpose)."""
        taken, self.violations = self.violations, []
        return taken

    def take_mention_violations(self) -> list[MentionViolation]:
        taken, self.mention_violations = self.mention_violations, []
        return taken

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        """Recorded requests matching ``"METHOD /path/pattern"`` (``*``/``{x}``: one segment)."""
        method, regex = _compile_pattern(pattern)
        return [r for r in self.requests if method in ("*", r.method) and regex.match(normalise_path(r.path))]

    def reset_records(self) -> None:
        self.requests.clear()
        self.violations.clear()
        self.mention_violations.clear()
        self.unexpected.clear()

    def timings(self) -> list[dict[str, Any]]:
        """Per interaction: perf_counter when INTERACTION_CREATE was written and when the callback came."""
        return [
            {
                "id": str(r.id),
                "command": r.command,
                "dispatched_at": r.dispatched_at,
                "callback_at": r.callback_at,
                "answered_at": r.answered_at,
            }
            for r in self.interactions.values()
        ]

    # -- faults --------------------------------------------------------------------------------

    def fail(
        self,
        pattern: str,
        status: int,
        *,
        times: int | None = 1,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        is_global: bool = False,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        when: Callable[[RecordedRequest], bool] | None = None,
    ) -> Fault:
        """Answer requests matching ``"METHOD /path"`` with ``status`` ``times`` times, then normally.

        In the path, ``*`` and ``{name}`` match one segment and ``**`` anything; the ``/api/v10``
        prefix is optional. A 429 carries ``Via`` and a JSON ``retry_after``, as Discord's does.
        """
        fault = Fault(
            pattern,
            status,
            times,
            code,
            message,
            retry_after,
            is_global,
            body,
            dict(headers or {}),
            when,
            id=next(self._fault_ids),
        )
        self.faults.append(fault)
        return fault

    def rate_limit(
        self, pattern: str, *, retry_after: float = 0.1, times: int | None = 1, is_global: bool = False
    ) -> Fault:
        return self.fail(pattern, 429, times=times, retry_after=retry_after, is_global=is_global)

    def server_error(self, pattern: str, *, status: int = 500, times: int | None = 1) -> Fault:
        return self.fail(pattern, status, times=times)

    def expire_interactions(
        self, pattern: str = "POST /interactions/{id}/{token}/callback", *, times: int | None = 1
    ) -> Fault:
        """Answer 404 / 10062 Unknown interaction, as Discord does for an expired token."""
        return self.fail(pattern, 404, times=times, code=10062)

    def clear_faults(self) -> None:
        self.faults.clear()

    # ==============================================================================================
    # Gateway
    # ==============================================================================================

    def hold_gateway(self) -> None:
        """Accept new gateway connections but send HELLO only after :meth:`release_gateway`."""
        self._gateway_open.clear()

    def release_gateway(self) -> None:
        self._gateway_open.set()

    async def close_gateway(self, code: int = 1000, *, hold: bool = False) -> None:
        """Close the bot's gateway connection with ``code``; 1006 drops it without a close frame.

        With ``hold=True`` the bot's reconnect waits (before HELLO) until :meth:`release_gateway`,
        so events dispatched meanwhile are replayed on RESUME.
        """
        if hold:
            self.hold_gateway()
        session = self._session
        conn = session.conn if session else None
        if conn is None:
            raise RuntimeError("the bot has no live gateway connection")
        async with session.lock:  # type: ignore[union-attr]
            self._detach(conn)
        self._log("close", code)
        if code == 1006:
            transport = conn.transport or conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=code, message=b"fake close"), 2)

    async def invalid_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; a non-resumable one also forgets the session."""
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("the bot has no live gateway connection")
        conn = session.conn
        async with session.lock:
            if not resumable:
                session.invalid = True
            await conn.send(_dumps({"op": 9, "d": resumable}))
            self._detach(conn)
        self._log("invalid_session", resumable)

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT; the bot closes and resumes."""
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("the bot has no live gateway connection")
        async with session.lock:
            await session.conn.send(_dumps({"op": 7, "d": None}))
        self._log("reconnect", None)

    def _session_for(self, guild_id: int | None) -> _Session | None:
        """The session that gets a guild's events (Discord's formula), or shard 0's for a DM."""
        if self._session is None:
            return None
        count = self._session.shard[1]
        return self.shard_sessions.get(0 if guild_id is None else shard_of(guild_id, count))

    @staticmethod
    def _event_guild(event: str, data: Any) -> int | None:
        if not isinstance(data, dict):
            return None
        raw = data.get("id") if event.startswith("GUILD_") and "guild_id" not in data else data.get("guild_id")
        return int(raw) if raw else None

    async def dispatch(
        self, event: str, data: Any, *, on_write: Callable[[float], None] | None = None
    ) -> int:
        """Send a DISPATCH to the session of the shard the event belongs to (kept for replay if
        the bot is disconnected)."""
        session = self._session_for(self._event_guild(event, data))
        if session is None:
            raise RuntimeError("the bot has not identified to the gateway yet")
        async with session.lock:
            session.seq += 1
            seq = session.seq
            frame = _dumps({"op": 0, "t": event, "s": seq, "d": data})
            session.events.append((seq, frame))
            if on_write is not None:
                session.on_write[seq] = on_write
            if len(session.events) > self.replay_window:
                dropped = session.events[: len(session.events) - self.replay_window]
                del session.events[: len(dropped)]
                for old, _ in dropped:
                    session.on_write.pop(old, None)
            conn = session.conn
            if conn is not None and conn.live:
                await self._write(session, conn, seq, frame)
        return seq

    async def _write(self, session: _Session, conn: _Connection, seq: int, frame: str) -> None:
        hook = session.on_write.pop(seq, None)
        if hook is not None:
            hook(time.perf_counter())
        try:
            await conn.send(frame)
        except (ConnectionError, RuntimeError):
            self._detach(conn)

    def _detach(self, conn: _Connection) -> None:
        conn.live = False
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
        self._notify()

    def _log(self, what: str, detail: Any) -> None:
        self.gateway_log.append((time.perf_counter(), what, detail))
        self._notify()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        wants_zlib = request.query.get("compress") == "zlib-stream"
        conn = _Connection(ws, request, self.zlib_stream and wants_zlib)
        self._connections.add(conn)
        self._log("connect", {"query": dict(request.query), "zlib": conn.compressed})
        try:
            await self._gateway_open.wait()
            if not conn.live or ws.closed:
                return ws
            await conn.send(_dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                if not await self._gateway_op(conn, payload):
                    break
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                self._detach(conn)
            self._log("disconnect", ws.close_code)
        return ws

    async def _gateway_op(self, conn: _Connection, payload: dict[str, Any]) -> bool:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeat_count += 1
            await conn.send(_dumps({"op": 11}))
            return True
        if op == 2:
            return await self._identify(conn, data or {})
        if op == 6:
            return await self._resume(conn, data or {})
        if conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
            return False
        if op in (3, 4, 8):  # presence, voice state, request guild members
            self._log(f"op{op}", data)
            return True
        self._log("unknown_op", op)
        await conn.ws.close(code=4001, message=b"Unknown opcode.")
        return False

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> bool:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return False
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return False
        shard = parse_shard(data.get("shard"))
        if shard is None:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return False
        shard_id, shard_count = shard
        routed = [g for g in self.guilds.values() if shard_of(g.id, shard_count) == shard_id]
        if len(routed) > self.max_guilds_per_shard:
            self._log("sharding_required", shard)
            await conn.ws.close(code=4011, message=b"Sharding required.")
            return False
        if not self.identify_limiter.admit(shard_id, shard_count, time.perf_counter()):
            self._log("identify_rate_limited", shard)
            await conn.send(_dumps({"op": 9, "d": False}))
            return True
        session = _Session(secrets.token_hex(16), identify=data, shard=shard)
        self._sessions[session.id] = session
        self.identify_count += 1
        self.identify_payloads.append(data)
        old = self.shard_sessions.get(shard_id)
        self._session = session
        self.shard_sessions[shard_id] = session
        self.shard_guilds[shard_id] = {g.id for g in routed}
        if old is not None and old.conn is not None and old.conn is not conn:
            old.invalid = True
        async with session.lock:
            conn.session = session
            session.conn = conn
            ready = {
                "v": 10,
                "user": self.bot_user.to_dict() | {"verified": True, "mfa_enabled": False, "email": None},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in routed],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "auth": {},
                "shard": [shard_id, shard_count],
            }
            events = [("READY", ready)]
            events += [("GUILD_CREATE", g.to_create_payload(self.bot_user)) for g in routed]
            for name, payload in events:
                session.seq += 1
                frame = _dumps({"op": 0, "t": name, "s": session.seq, "d": payload})
                session.events.append((session.seq, frame))
                await conn.send(frame)
        self._log("identify", data.get("intents"))
        return True

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> bool:
        session = self._sessions.get(str(data.get("session_id")))
        client_seq = data.get("seq") or 0
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return False
        oldest = session.events[0][0] if session and session.events else 1
        current = session is not None and self.shard_sessions.get(session.shard[0]) is session
        if session is None or session.invalid or not current or client_seq < oldest - 1:
            self._log("resume_rejected", data.get("session_id"))
            await conn.send(_dumps({"op": 9, "d": False}))
            return True
        self.resume_count += 1
        async with session.lock:
            previous = session.conn
            if previous is not None and previous is not conn:
                self._detach(previous)
                self._spawn(previous.ws.close(code=4000))
            conn.session = session
            for seq, frame in list(session.events):
                if seq > client_seq:
                    await self._write(session, conn, seq, frame)
            session.seq += 1
            frame = _dumps({"op": 0, "t": "RESUMED", "s": session.seq, "d": {}})
            session.events.append((session.seq, frame))
            await conn.send(frame)
            session.conn = conn
        self._log("resume", client_seq)
        return True

    # ==============================================================================================
    # REST
    # ==============================================================================================

    def _rest_routes(self) -> dict[tuple[str, str], Callable[..., Any]]:
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        return {
            ("GET", "/users/@me"): self._get_me,
            ("GET", "/users/{user_id}"): self._get_user,
            ("GET", "/oauth2/applications/@me"): self._get_application,
            ("GET", "/applications/@me"): self._get_application,
            ("GET", "/gateway"): self._get_gateway,
            ("GET", "/gateway/bot"): self._get_gateway_bot,
            ("PUT", app_cmds): self._put_commands,
            ("GET", app_cmds): self._get_commands,
            ("PUT", guild_cmds): self._put_commands,
            ("GET", guild_cmds): self._get_commands,
            ("POST", CALLBACK_ROUTE): self._callback,
            ("POST", hook): self._followup,
            ("GET", hook + "/messages/@original"): self._webhook_message,
            ("PATCH", hook + "/messages/@original"): self._webhook_message,
            ("DELETE", hook + "/messages/@original"): self._webhook_message,
            ("GET", hook + "/messages/{message_id}"): self._webhook_message,
            ("PATCH", hook + "/messages/{message_id}"): self._webhook_message,
            ("DELETE", hook + "/messages/{message_id}"): self._webhook_message,
            ("POST", "/users/@me/channels"): self._create_dm,
            ("GET", "/channels/{channel_id}"): self._get_channel,
            ("POST", "/channels/{channel_id}/messages"): self._channel_message,
            ("GET", "/channels/{channel_id}/messages/{message_id}"): self._channel_message_by_id,
            ("PATCH", "/channels/{channel_id}/messages/{message_id}"): self._channel_message_by_id,
            ("DELETE", "/channels/{channel_id}/messages/{message_id}"): self._channel_message_by_id,
            ("GET", "/guilds/{guild_id}"): self._get_guild,
            ("GET", "/guilds/{guild_id}/channels"): self._get_guild_channels,
            ("GET", "/guilds/{guild_id}/roles"): self._get_guild_roles,
            ("GET", "/guilds/{guild_id}/members/{user_id}"): self._get_member,
        }

    @staticmethod
    def _json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        hdrs = {"Content-Type": JSON_TYPE}  # exactly; discord.py compares the header verbatim
        hdrs.update(headers or {})
        if status == 204:
            hdrs.pop("Content-Type")
            return web.Response(status=204, headers=hdrs)
        return web.Response(status=status, body=_dumps(data).encode(), headers=hdrs)

    @staticmethod
    def _ratelimit_headers(route: str | None, rec: RecordedRequest) -> dict[str, str]:
        bucket = hashlib.sha1(f"{rec.method} {route or rec.path}".encode()).hexdigest()[:16]
        return {
            "X-RateLimit-Limit": "1000",
            "X-RateLimit-Remaining": "999",
            "X-RateLimit-Reset": f"{time.time() + 60:.3f}",
            "X-RateLimit-Reset-After": "60.000",
            "X-RateLimit-Bucket": bucket,
        }

    async def _read_body(self, request: web.Request) -> tuple[Any, list[FakeFile], bool, str]:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            payload: Any = None
            files: list[FakeFile] = []
            reader = await request.multipart()
            async for part in reader:
                name = part.name or ""  # type: ignore[union-attr]
                data = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(bytes(data).decode())
                else:
                    m = re.match(r"files\[(\d+)\]$", name) or re.match(r"file(\d*)$", name)
                    index = int(m.group(1) or 0) if m else len(files)
                    files.append(
                        FakeFile(
                            part.filename or name,  # type: ignore[union-attr]
                            bytes(data),
                            part.headers.get("Content-Type"),  # type: ignore[union-attr]
                            id=index,
                        )
                    )
            return payload, files, True, "multipart/form-data"
        raw = await request.read()
        if not raw:
            return None, [], False, ctype
        if ctype == JSON_TYPE:
            try:
                return json.loads(raw), [], True, ctype
            except ValueError:
                return raw.decode(errors="replace"), [], True, ctype
        return raw.decode(errors="replace"), [], True, ctype

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        body, files, has_body, ctype = await self._read_body(request)
        rec = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            body,
            files,
            arrived,
            content_type=ctype,
        )
        self.requests.append(rec)
        path = normalise_path(request.path)
        route, params, handler = self._route(rec.method, path)
        rec.route = route
        try:
            if route is not None:
                if self.validate:
                    self._check_request(rec, has_body, ctype)
                self._check_mentions(rec, route)
            for fault in self.faults:
                if fault.matches(rec):
                    fault.hits += 1
                    rec.fault = fault
                    headers = self._ratelimit_headers(route, rec) | fault.headers
                    if fault.status == 429:
                        retry = fault.retry_after if fault.retry_after is not None else 0.1
                        headers |= {
                            "Via": "1.1 google",
                            "Retry-After": str(max(1, math.ceil(retry))),
                            "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset-After": f"{retry:.3f}",
                            "X-RateLimit-Scope": "global" if fault.is_global else "user",
                        }
                        if fault.is_global:
                            headers["X-RateLimit-Global"] = "true"
                    rec.status, rec.response = fault.status, fault.response_body()
                    self._notify()
                    return self._json_response(fault.status, rec.response, headers)
            if handler is None:
                self.unexpected.append(rec)
                raise _HTTPError(404, 0, "404: Not Found")
            if not self._is_webhook_route(route) and not self._authorised(request):
                raise _HTTPError(401, 0, "401: Unauthorized")
            if rec.violations and self.reject_invalid:
                raise _HTTPError(400, 50035, "Invalid Form Body", _form_errors(rec.violations))
            status, data = await handler(rec, params)
        except _HTTPError as err:
            status, data = err.status, err.body
        except Exception as exc:  # a bug in the fake: answer like Discord's 500, and make it loud
            self.internal_errors.append(f"{rec.method} {rec.path}: {exc!r}")
            status, data = 500, {"message": "500: Internal Server Error", "code": 0}
        rec.status, rec.response = status, data
        self._notify()
        return self._json_response(status, data, self._ratelimit_headers(route, rec))

    def _route(self, method: str, path: str) -> tuple[str | None, dict[str, str], Callable[..., Any] | None]:
        match = self._validator.match(method, path)
        if match is None:
            return None, {}, None
        return match.template, match.params, self._routes.get((method, match.template))

    @staticmethod
    def _is_webhook_route(route: str | None) -> bool:
        return route is not None and (
            route == CALLBACK_ROUTE or route.startswith("/webhooks/{webhook_id}/{webhook_token}")
        )

    def _authorised(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot "):
            return False
        return self.token is None or auth == f"Bot {self.token}"

    def _check_request(self, rec: RecordedRequest, has_body: bool, ctype: str) -> None:
        content_type = "multipart/form-data" if ctype.startswith("multipart/") else JSON_TYPE
        check = self._validator.validate_request(
            rec.method,
            rec.path,
            rec.json,
            content_type=content_type,
            has_body=has_body,
            file_count=len(rec.files),
        )
        if ctype and has_body and not ctype.startswith("multipart/") and ctype != JSON_TYPE:
            check.errors.append(f"body sent as {ctype!r}; Discord expects application/json or multipart")
        if check.errors:
            rec.violations = check.errors
            self.violations.append(
                Violation(rec.method, rec.path, check.route, check.schema, check.errors, rec.json)
            )

    def _check_mentions(self, rec: RecordedRequest, route: str) -> None:
        message, creates = message_payload(rec.method, route, rec.json)
        if message is None or not creates:
            return
        allowed = message.get("allowed_mentions")
        if not (isinstance(allowed, dict) and allowed.get("parse") == []):
            self.mention_violations.append(MentionViolation(rec.method, rec.path, allowed))

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        rec = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            None,
            [],
            time.perf_counter(),
        )
        rec.status = 404
        self.requests.append(rec)
        self.unexpected.append(rec)
        self._notify()
        return self._json_response(404, {"message": "404: Not Found", "code": 0})

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        attachment = self._attachments.get(int(request.match_info["id"]))
        if attachment is None:
            return web.Response(status=404)
        return web.Response(
            body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
        )

    # -- simple REST handlers ------------------------------------------------------------------

    async def _get_me(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, self.bot_user.to_dict() | {
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "en-US",
        }

    async def _get_user(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        user = self.find_user(params["user_id"])
        if user is None:
            raise _HTTPError(404, 10013)
        return 200, user.to_dict()

    async def _get_application(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "role_connections_verification_url": None,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "owner": self.owner.to_dict(),
            "team": None,
            "bot": self.bot_user.to_dict(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
        }

    async def _get_gateway(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": max(1, -(-len(self.guilds) // self.max_guilds_per_shard)),
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": self.identify_limiter.max_concurrency,
            },
        }

    def _check_app(self, params: Mapping[str, str], key: str = "application_id") -> None:
        if params.get(key) != str(self.application_id):
            raise _HTTPError(404, 10002, "Unknown Application")

    async def _put_commands(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        self._check_app(params)
        guild_id = int(params["guild_id"]) if "guild_id" in params else None
        if guild_id is not None and guild_id not in self.guilds:
            raise _HTTPError(403, 50001)
        stored = []
        for cmd in rec.json or []:
            kind = cmd.get("type") or 1
            key = (guild_id, kind, cmd["name"])
            cid = self._command_ids.setdefault(key, self._snowflake())
            perms = cmd.get("default_member_permissions")
            item = {
                "id": str(cid),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description") or "",
                "description_localizations": cmd.get("description_localizations"),
                "default_member_permissions": None if perms is None else str(perms),
                "dm_permission": cmd.get("dm_permission", True) if guild_id is None else None,
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
                "nsfw": bool(cmd.get("nsfw", False)),
            }
            if cmd.get("options"):
                item["options"] = cmd["options"]
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return 200, stored

    async def _get_commands(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        self._check_app(params)
        if "guild_id" in params:
            return 200, self.guild_commands.get(int(params["guild_id"]), [])
        return 200, self.global_commands

    async def _get_channel(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        channel = self._channels.get(int(params["channel_id"]))
        if channel is None:
            raise _HTTPError(404, 10003)
        return 200, channel.to_dict()

    async def _get_guild(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, self._guild_or_404(params).to_dict()

    async def _get_guild_channels(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, [c.to_dict() for c in self._guild_or_404(params).channels]

    async def _get_guild_roles(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        return 200, [r.to_dict() for r in self._guild_or_404(params).roles]

    async def _get_member(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        member = self._guild_or_404(params).member(int(params["user_id"]))
        if member is None:
            raise _HTTPError(404, 10007, "Unknown Member")
        return 200, member.to_dict(with_permissions=False)

    def _guild_or_404(self, params: Mapping[str, str]) -> FakeGuild:
        guild = self.guilds.get(int(params["guild_id"]))
        if guild is None:
            raise _HTTPError(404, 10004, "Unknown Guild")
        return guild

    # -- messages ------------------------------------------------------------------------------

    def _attachments_for(
        self, channel_id: int, data: Mapping[str, Any], files: list[FakeFile], keep: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[FakeFile]]:
        """Attachment objects for a create or edit: the kept ones (by id) plus the uploaded files.

        discord.py lists uploads in ``attachments`` by their multipart index (``files[N]`` has id N)
        and kept attachments by their snowflake. Without ``attachments``, an edit keeps every old
        attachment and adds the uploads.
        """
        existing = {str(a["id"]): a for a in keep}
        uploads = {str(f.id): f for f in files}
        wanted = data.get("attachments")
        if wanted is None:
            entries: list[Mapping[str, Any]] = [{"id": a["id"]} for a in keep] + [{"id": f.id} for f in files]
        else:
            entries = [e for e in wanted if isinstance(e, Mapping)]
        out_raw: list[dict[str, Any]] = []
        out_files: list[FakeFile] = []
        for entry in entries:
            key = str(entry.get("id"))
            if key in existing:
                out_raw.append(existing[key])
                stored = self._attachments.get(int(key))
                if stored is not None:
                    out_files.append(stored)
                continue
            upload = uploads.get(key)
            if upload is None:
                continue
            att_id = self._snowflake()
            filename = entry.get("filename") or upload.filename
            stored = FakeFile(filename, upload.data, upload.content_type, entry.get("description"), att_id)
            self._attachments[att_id] = stored
            url = f"{self.url}/cdn/attachments/{channel_id}/{att_id}/{filename}"
            out_raw.append(
                {
                    "id": str(att_id),
                    "filename": filename,
                    "size": stored.size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type or "application/octet-stream",
                    "description": entry.get("description"),
                    "ephemeral": False,
                }
            )
            out_files.append(stored)
        return out_raw, out_files

    @staticmethod
    def _number_components(components: list[Any]) -> list[Any]:
        counter = itertools.count(1)
        out = json.loads(_dumps(components or []))
        for comp in _walk_components(out):
            comp.setdefault("id", next(counter))
        return out

    def _new_message(
        self,
        channel_id: int,
        data: Mapping[str, Any],
        files: list[FakeFile],
        *,
        msg_type: int = 0,
        flags: int = 0,
        interaction: InteractionResult | None = None,
        webhook: bool = False,
    ) -> FakeMessage:
        mid = self._snowflake()
        attachments, stored = self._attachments_for(channel_id, data, files, [])
        raw: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": msg_type,
            "content": data.get("content") or "",
            "author": self.bot_user.to_dict(),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [self._normalise_embed(e) for e in data.get("embeds") or []],
            "pinned": False,
            "flags": flags,
            "components": self._number_components(data.get("components") or []),
        }
        if data.get("poll"):
            raw["poll"] = data["poll"]
        if webhook:
            raw["webhook_id"] = str(self.application_id)
            raw["application_id"] = str(self.application_id)
        if interaction is not None:
            owners = {"0": str(interaction.guild.id) if interaction.guild else "0"}
            raw["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_dict(),
                "authorizing_integration_owners": owners,
            }
            if interaction.type == APPLICATION_COMMAND:
                raw["interaction_metadata"]["name"] = interaction.command
                raw["interaction_metadata"]["command_type"] = 1
            if interaction.source_message is not None:
                raw["interaction_metadata"]["interacted_message_id"] = str(interaction.source_message.id)
            raw["interaction"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "name": interaction.command or "",
                "user": interaction.user.to_dict(),
            }
        message = FakeMessage(raw, stored, interaction=interaction)
        self.messages[mid] = message
        return message

    def _edit_message(self, message: FakeMessage, data: Mapping[str, Any], files: list[FakeFile]) -> None:
        message.history.append(json.loads(_dumps(message.raw)))
        raw = message.raw
        if "content" in data:
            raw["content"] = data["content"] or ""
        if "embeds" in data:
            raw["embeds"] = [self._normalise_embed(e) for e in data["embeds"] or []]
        if "components" in data:
            raw["components"] = self._number_components(data["components"] or [])
        if data.get("poll"):
            raw["poll"] = data["poll"]
        if data.get("flags") is not None:
            keep = raw.get("flags", 0) & ~EDITABLE_FLAGS & ~LOADING
            raw["flags"] = keep | (int(data["flags"]) & EDITABLE_FLAGS)
        else:
            raw["flags"] = raw.get("flags", 0) & ~LOADING
        if "attachments" in data or files:
            raw["attachments"], message.files = self._attachments_for(
                message.channel_id, data, files, raw.get("attachments") or []
            )
        if not message.history[-1].get("flags", 0) & LOADING:
            raw["edited_timestamp"] = _now_iso()

    @staticmethod
    def _normalise_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in embed.items() if v is not None and k != "flags"}
        out.setdefault("type", "rich")
        out.setdefault("content_scan_version", 0)
        return out

    # -- interaction callbacks -----------------------------------------------------------------

    def _interaction_for(
        self, params: Mapping[str, str], *, id_key: str | None, token_key: str
    ) -> InteractionResult:
        token = params[token_key]
        result = self._by_token.get(token)
        if result is None:
            raise _HTTPError(404, 10062 if id_key else 10015)
        if id_key is not None and params[id_key] != str(result.id):
            raise _HTTPError(404, 10062)
        return result

    async def _callback(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        result = self._interaction_for(params, id_key="interaction_id", token_key="interaction_token")
        if result.callback_at is None:
            result.callback_at = rec.time
        if result.acknowledged:
            raise _HTTPError(400, 40060)
        age = rec.time - (result.dispatched_at or rec.time)
        if self.ack_deadline is not None and age > self.ack_deadline:
            result.expired = True
            raise _HTTPError(404, 10062)
        body = rec.json if isinstance(rec.json, dict) else {}
        kind = body.get("type")
        if kind not in ALLOWED_CALLBACKS.get(result.type, set()):
            message = f"callback type {kind} is not valid for interaction type {result.type}"
            self.violations.append(Violation(rec.method, rec.path, CALLBACK_ROUTE, None, [message], body))
            rec.violations.append(message)
            raise _HTTPError(
                400, 50035, "Invalid Form Body", {"type": {"_errors": [{"code": "X", "message": message}]}}
            )
        data = body.get("data") or {}
        if kind == CB_AUTOCOMPLETE:
            self._check_choice_types(rec, result, data)
        message: FakeMessage | None = None
        channel_id = result.channel.id
        if kind == CB_MESSAGE:
            flags = int(data.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS | COMPONENTS_V2 | (1 << 12))
            msg_type = 20 if result.type == APPLICATION_COMMAND else 19 if result.source_message else 0
            message = self._new_message(
                channel_id, data, rec.files, msg_type=msg_type, flags=flags, interaction=result, webhook=True
            )
            result.message = message
        elif kind == CB_DEFER:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            msg_type = 20 if result.type == APPLICATION_COMMAND else 19 if result.source_message else 0
            message = self._new_message(
                channel_id, {}, [], msg_type=msg_type, flags=flags, interaction=result, webhook=True
            )
            result.message = message
        elif kind in (CB_DEFER_UPDATE, CB_UPDATE):
            message = result.source_message
            if message is None:
                raise _HTTPError(400, 50035, "Invalid Form Body")
            if kind == CB_UPDATE:
                self._edit_message(message, data, rec.files)
            result.message = message
        elif kind == CB_AUTOCOMPLETE:
            result.choices.extend(
                Choice(c.get("name"), c.get("value")) for c in data.get("choices") or [] if c
            )
        elif kind == CB_MODAL:
            result.modal = FakeModal.from_raw(data)
        result.callback = body
        result.callback_type = kind
        result.acknowledged_at = time.perf_counter()
        if result.answered:
            result.answered_at = result.acknowledged_at
        if not _truthy(rec.query.get("with_response")):
            return 204, None
        response: dict[str, Any] = {
            "interaction": {
                "id": str(result.id),
                "type": result.type,
                "activity_instance_id": None,
                "response_message_id": str(message.id) if message else None,
                "response_message_loading": kind == CB_DEFER,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None:
            response["resource"] = {"type": kind, "message": message.raw}
        elif kind in (CB_AUTOCOMPLETE, CB_MODAL):
            response["resource"] = {"type": kind}
        return 200, response

    def _check_choice_types(
        self, rec: RecordedRequest, result: InteractionResult, data: Mapping[str, Any]
    ) -> None:
        focused = result.focused_option or {}
        expected = {OPT_STRING: str, OPT_INTEGER: int, OPT_NUMBER: (int, float)}.get(focused.get("type", 0))
        if expected is None:
            return
        for i, choice in enumerate(data.get("choices") or []):
            value = (choice or {}).get("value")
            if isinstance(value, bool) or not isinstance(value, expected):
                message = (
                    f"body.data.choices[{i}].value: {value!r} does not fit option "
                    f"{focused.get('name')!r} of type {focused.get('type')}"
                )
                rec.violations.append(message)
                self.violations.append(
                    Violation(rec.method, rec.path, CALLBACK_ROUTE, None, [message], rec.json)
                )

    def _token_alive(self, result: InteractionResult) -> None:
        created = self._interaction_created.get(result.id, time.monotonic())
        if time.monotonic() - created > self.token_lifetime:
            raise _HTTPError(401, 50027)

    async def _followup(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        if params["webhook_id"] != str(self.application_id):
            raise _HTTPError(404, 10015)
        result = self._interaction_for(params, id_key=None, token_key="webhook_token")
        self._token_alive(result)
        if not result.acknowledged:
            raise _HTTPError(404, 10015)
        data = rec.json if isinstance(rec.json, dict) else {}
        original = result.message
        if original is not None and original.loading and result.callback_type == CB_DEFER:
            # As on Discord: the first followup after a "thinking" defer replaces the loading
            # message, and its flags are ignored (an "ephemeral" followup after a public defer
            # stays public). Discord documents this path as deprecated, so the fake reports it:
            # a bot should edit @original instead.
            self.violations.append(
                Violation(
                    rec.method, rec.path, "/webhooks/{webhook_id}/{webhook_token}", "deprecated",
                    [DEFERRED_FOLLOWUP_DEPRECATED], rec.json,
                )
            )
            self._edit_message(original, {k: v for k, v in data.items() if k != "flags"}, rec.files)
            message = original
        else:
            flags = int(data.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS | COMPONENTS_V2 | (1 << 12))
            message = self._new_message(
                result.channel.id,
                data,
                rec.files,
                msg_type=19 if original else 20,
                flags=flags,
                interaction=result,
                webhook=True,
            )
            result.followups.append(message)
        if result.answered and result.answered_at is None:
            result.answered_at = time.perf_counter()
        if not _truthy(rec.query.get("wait")):
            return 204, None
        return 200, message.raw

    async def _webhook_message(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        if params["webhook_id"] != str(self.application_id):
            raise _HTTPError(404, 10015)
        result = self._interaction_for(params, id_key=None, token_key="webhook_token")
        self._token_alive(result)
        if not result.acknowledged:
            raise _HTTPError(404, 10015)
        message_id = params.get("message_id")
        if message_id is None:  # @original
            message = result.message
        else:
            message = next((m for m in result.messages if str(m.id) == message_id), None)
        if message is None or message.deleted:
            raise _HTTPError(404, 10008)
        if rec.method == "GET":
            return 200, message.raw
        if rec.method == "DELETE":
            message.deleted = True
            return 204, None
        self._edit_message(message, rec.json if isinstance(rec.json, dict) else {}, rec.files)
        if result.answered and result.answered_at is None:
            result.answered_at = time.perf_counter()
        return 200, message.raw

    # -- DMs and channel messages --------------------------------------------------------------

    async def _create_dm(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        user = self.find_user(str(body.get("recipient_id") or ""))
        if user is None:
            raise _HTTPError(400, 50033)
        return 200, self.dm_channel(user).to_dict()

    async def _channel_message(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        channel = self._channels.get(int(params["channel_id"]))
        if channel is None:
            raise _HTTPError(404, 10003)
        if channel.is_dm and channel.recipient is not None and channel.recipient.id in self._dms_closed:
            raise _HTTPError(403, 50007)
        if channel.is_dm and channel.recipient is not None and self._no_shared_guild(channel.recipient):
            raise _HTTPError(403, 50278)
        data = rec.json if isinstance(rec.json, dict) else {}
        # enforce_nonce: a second message with the same nonce from the same author in the last few
        # minutes is not created; Discord answers with the first one (idempotent retries).
        nonce_key = (channel.id, str(data["nonce"])) if data.get("enforce_nonce") and data.get("nonce") else None
        if nonce_key is not None and nonce_key in self._nonces:
            self.nonce_repeats += 1
            return 200, self.messages[self._nonces[nonce_key]].raw
        flags = int(data.get("flags") or 0) & (SUPPRESS_EMBEDS | COMPONENTS_V2 | (1 << 12))
        msg_type = 19 if data.get("message_reference") else 0
        message = self._new_message(channel.id, data, rec.files, msg_type=msg_type, flags=flags)
        if nonce_key is not None:
            self._nonces[nonce_key] = message.id
            message.raw["nonce"] = nonce_key[1]
        if channel.guild_id is not None:
            message.raw["guild_id"] = str(channel.guild_id)
        return 200, message.raw

    async def _channel_message_by_id(self, rec: RecordedRequest, params: dict[str, str]) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if (
            message is None
            or message.deleted
            or str(message.channel_id) != params["channel_id"]
            or message.ephemeral
        ):
            raise _HTTPError(404, 10008)
        if rec.method == "GET":
            return 200, message.raw
        if rec.method == "DELETE":
            message.deleted = True
            return 204, None
        if int(message.raw["author"]["id"]) != self.bot_user.id:
            raise _HTTPError(403, 50005, "Cannot edit a message authored by another user")
        self._edit_message(message, rec.json if isinstance(rec.json, dict) else {}, rec.files)
        return 200, message.raw

    # ==============================================================================================
    # Member actions
    # ==============================================================================================

    def _commands_for(self, guild: FakeGuild | None) -> list[dict[str, Any]]:
        commands = list(self.guild_commands.get(guild.id, [])) if guild else []
        names = {c["name"] for c in commands}
        return commands + [c for c in self.global_commands if c["name"] not in names]

    def _resolve_command(
        self, path: str, guild: FakeGuild | None
    ) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
        parts = path.strip().lstrip("/").split()
        if not parts:
            raise ValueError("empty command")
        commands = [c for c in self._commands_for(guild) if c.get("type", 1) == 1]
        root = next((c for c in commands if c["name"] == parts[0]), None)
        if root is None:
            have = sorted(c["name"] for c in commands)
            raise LookupError(f"/{parts[0]} is not a synced slash command here; synced: {have}")
        node = root
        for part in parts[1:]:
            subs = [o for o in node.get("options") or [] if o.get("type") in (OPT_SUB, OPT_GROUP)]
            nxt = next((o for o in subs if o["name"] == part), None)
            if nxt is None:
                raise LookupError(
                    f"/{' '.join(parts)}: no subcommand {part!r}; have {[o['name'] for o in subs]}"
                )
            node = nxt
        subs = [o for o in node.get("options") or [] if o.get("type") in (OPT_SUB, OPT_GROUP)]
        if subs:
            raise ValueError(f"/{' '.join(parts)} needs a subcommand: {[o['name'] for o in subs]}")
        return root, parts, node

    def _check_visible(self, root: dict[str, Any], member: FakeMember | None, dm: bool, path: str) -> None:
        if dm:
            contexts = root.get("contexts")
            if (
                root.get("guild_id")
                or root.get("dm_permission") is False
                or (contexts is not None and 1 not in contexts)
            ):
                raise PermissionError(f"/{path} is not available in DMs")
            return
        contexts = root.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise PermissionError(f"/{path} is not available in guilds")
        needed = root.get("default_member_permissions")
        if needed is None or member is None:
            return
        needed = int(needed)
        if member.permissions & needed != needed:
            raise PermissionError(
                f"Discord would not show /{path} to {member.user.name}: it needs permissions {needed}"
            )

    def _option_value(
        self,
        defn: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild | None,
        check: bool,
    ) -> Any:
        kind, name = defn["type"], defn["name"]
        if kind == OPT_STRING:
            value = str(value)
            if check and defn.get("min_length") is not None and len(value) < defn["min_length"]:
                raise ValueError(f"option {name!r}: shorter than {defn['min_length']}")
            if check and defn.get("max_length") is not None and len(value) > defn["max_length"]:
                raise ValueError(f"option {name!r}: longer than {defn['max_length']}")
        elif kind == OPT_INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                integral = isinstance(value, float) and value.is_integer()
                if integral or (isinstance(value, str) and re.fullmatch(r"-?\d+", value)):
                    value = int(value)
                else:
                    raise TypeError(f"option {name!r} is an integer option, not {value!r}")
        elif kind == OPT_NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise TypeError(f"option {name!r} is a number option, not {value!r}")
            value = float(value) if isinstance(value, str) else value
        elif kind == OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean option, not {value!r}")
        elif kind in (OPT_USER, OPT_MENTIONABLE) and not isinstance(value, FakeRole):
            user = value.user if isinstance(value, FakeMember) else value
            if not isinstance(user, FakeUser):
                user = self.find_user(user) if isinstance(user, (str, int)) else None
            if user is None:
                raise TypeError(f"option {name!r} needs a FakeUser, not {value!r}")
            resolved.setdefault("users", {})[str(user.id)] = user.to_dict()
            member = guild.member(user) if guild else None
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = member.to_dict(with_user=False)
            value = str(user.id)
        elif kind in (OPT_ROLE, OPT_MENTIONABLE):
            if not isinstance(value, FakeRole):
                raise TypeError(f"option {name!r} needs a FakeRole, not {value!r}")
            resolved.setdefault("roles", {})[str(value.id)] = value.to_dict()
            value = str(value.id)
        elif kind == OPT_CHANNEL:
            if not isinstance(value, FakeChannel):
                raise TypeError(f"option {name!r} needs a FakeChannel, not {value!r}")
            types = defn.get("channel_types")
            if check and types and value.type not in types:
                raise ValueError(f"option {name!r} accepts channel types {types}, not {value.type}")
            perms = ALL_PERMISSIONS
            resolved.setdefault("channels", {})[str(value.id)] = value.to_dict(permissions=perms)
            value = str(value.id)
        elif kind == OPT_ATTACHMENT:
            upload = (
                value
                if isinstance(value, FakeFile)
                else FakeFile(*value)
                if isinstance(value, tuple)
                else None
            )
            if upload is None:
                raise TypeError(f"option {name!r} needs a FakeFile or (filename, bytes), not {value!r}")
            att_id = self._snowflake()
            stored = FakeFile(upload.filename, upload.data, upload.content_type, None, att_id)
            self._attachments[att_id] = stored
            url = f"{self.url}/cdn/attachments/0/{att_id}/{upload.filename}"
            resolved.setdefault("attachments", {})[str(att_id)] = {
                "id": str(att_id),
                "filename": upload.filename,
                "size": stored.size,
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type or "application/octet-stream",
                "ephemeral": True,
            }
            value = str(att_id)
        if check and kind in (OPT_INTEGER, OPT_NUMBER):
            if defn.get("min_value") is not None and value < defn["min_value"]:
                raise ValueError(f"option {name!r}: {value} is below the minimum {defn['min_value']}")
            if defn.get("max_value") is not None and value > defn["max_value"]:
                raise ValueError(f"option {name!r}: {value} is above the maximum {defn['max_value']}")
        if check and defn.get("choices") and value not in [c["value"] for c in defn["choices"]]:
            raise ValueError(f"option {name!r}: {value!r} is not one of its choices")
        return value

    def _build_options(
        self,
        parts: list[str],
        root: dict[str, Any],
        leaf: dict[str, Any],
        values: Mapping[str, Any],
        guild: FakeGuild | None,
        *,
        focused: tuple[str, str] | None,
        check: bool,
    ) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any] | None]:
        defs = {o["name"]: o for o in leaf.get("options") or []}
        unknown = set(values) - set(defs)
        if focused is not None and focused[0] not in defs:
            unknown.add(focused[0])
        if unknown:
            raise LookupError(f"/{' '.join(parts)} has no option(s) {sorted(unknown)}; it has {sorted(defs)}")
        resolved: dict[str, dict[str, Any]] = {}
        opts: list[dict[str, Any]] = []
        focused_def = None
        for name, defn in defs.items():
            if focused is not None and name == focused[0]:
                focused_def = defn
                opts.append({"type": defn["type"], "name": name, "value": focused[1], "focused": True})
                continue
            if name not in values or values[name] is None:
                if check and defn.get("required") and focused is None:
                    raise ValueError(f"/{' '.join(parts)}: the required option {name!r} is missing")
                continue
            value = self._option_value(defn, values[name], resolved, guild, check and focused is None)
            opts.append({"type": defn["type"], "name": name, "value": value})
        if focused is not None and focused_def is not None and not focused_def.get("autocomplete"):
            raise ValueError(f"option {focused[0]!r} of /{' '.join(parts)} has no autocomplete")
        # wrap in subcommand / group options, innermost first
        node_opts = opts
        node = root
        chain = []
        for part in parts[1:]:
            node = next(o for o in node.get("options") or [] if o["name"] == part)
            chain.append(node)
        for sub in reversed(chain):
            node_opts = [{"type": sub["type"], "name": sub["name"], "options": node_opts}]
        return node_opts, resolved, focused_def

    def _place(
        self, user: FakeUser, guild: Any, channel: FakeChannel | None, dm: bool
    ) -> tuple[FakeGuild | None, FakeChannel, FakeMember | None]:
        for name, value, kind in (("user", user, FakeUser), ("channel", channel, FakeChannel)):
            if value is not None and not isinstance(value, kind):
                raise TypeError(
                    f"{name}= says who acts and where; pass a command option called {name!r} as options={{...}}"
                )
        if guild is not None and guild is not _DEFAULT and not isinstance(guild, FakeGuild):
            raise TypeError("guild= is where the member acts; pass an option called 'guild' as options={...}")
        if dm or guild is None:
            return None, self.dm_channel(user), None
        target = self.default_guild if guild is _DEFAULT else guild
        if channel is not None and channel.guild_id != target.id:
            if channel.guild_id is None:
                raise ValueError("use dm=True for a DM channel")
            target = self.guilds[channel.guild_id]
        member = target.member(user) or target.add_member(user)
        return target, channel or target.channel(), member

    def _interaction_payload(
        self,
        kind: int,
        token: str,
        iid: int,
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        member: FakeMember | None,
        data: dict[str, Any],
        locale: str,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self.app_permissions),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None and member is not None:
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                channel_id=str(channel.id),
                channel=channel.to_dict(permissions=member.permissions),
                member=member.to_dict(),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                channel_id=str(channel.id),
                channel=channel.to_dict(),
                user=user.to_dict(),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        return payload

    async def _start_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        member: FakeMember | None,
        *,
        command: str | None,
        source: FakeMessage | None = None,
        focused: dict[str, Any] | None = None,
        locale: str = "en-US",
        wait_session: float | None = None,
    ) -> InteractionResult:
        iid = self._snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(60)
        payload = self._interaction_payload(kind, token, iid, user, guild, channel, member, data, locale)
        if source is not None:
            payload["message"] = source.raw
        result = InteractionResult(
            self,
            id=iid,
            token=token,
            type=kind,
            payload=payload,
            user=user,
            guild=guild,
            channel=channel,
            command=command,
            source_message=source,
            focused=focused,
        )
        self.interactions[iid] = result
        self._by_token[token] = result
        self._interaction_created[iid] = time.monotonic()
        if self._session is None:
            await self.wait_until(lambda: self._session is not None, wait_session, "the bot to IDENTIFY")

        def written(at: float) -> None:
            result.dispatched_at = at

        result.seq = await self.dispatch("INTERACTION_CREATE", payload, on_write=written)
        return result

    async def slash(
        self,
        command: str,
        /,
        *,
        user: FakeUser | None = None,
        guild: Any = _DEFAULT,
        channel: FakeChannel | None = None,
        dm: bool = False,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run ``/command [group] [sub] opt:value ...`` as ``user`` and wait for the bot's answer.

        ``check`` refuses what Discord's client would not send: a missing required option, a value
        outside min/max/choices, or a command the member cannot see (``default_member_permissions``,
        DM availability); pass ``check=False`` to send it anyway.
        """
        user = user or self.user("member")
        values = {**(options or {}), **kwargs}
        guild_obj, channel_obj, member = self._place(user, guild, channel, dm)
        root, parts, leaf = self._resolve_command(command, guild_obj)
        if check:
            self._check_visible(root, member, guild_obj is None, command)
        opts, resolved, _ = self._build_options(
            parts, root, leaf, values, guild_obj, focused=None, check=check
        )
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        result = await self._start_interaction(
            APPLICATION_COMMAND,
            data,
            user,
            guild_obj,
            channel_obj,
            member,
            command=" ".join(parts),
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    async def autocomplete(
        self,
        command: str,
        option: str,
        typed: str,
        /,
        *,
        user: FakeUser | None = None,
        guild: Any = _DEFAULT,
        channel: FakeChannel | None = None,
        dm: bool = False,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Choices:
        """Type ``typed`` into ``option`` of ``/command`` and return the choices the bot offers."""
        user = user or self.user("member")
        values = {**(options or {}), **kwargs}
        guild_obj, channel_obj, member = self._place(user, guild, channel, dm)
        root, parts, leaf = self._resolve_command(command, guild_obj)
        opts, resolved, focused_def = self._build_options(
            parts, root, leaf, values, guild_obj, focused=(option, typed), check=True
        )
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        result = await self._start_interaction(
            AUTOCOMPLETE,
            data,
            user,
            guild_obj,
            channel_obj,
            member,
            command=" ".join(parts),
            focused=focused_def,
            locale=locale,
            wait_session=timeout,
        )
        await result.wait(timeout)
        return result.choices

    def _find_component(
        self, target: InteractionResult | FakeMessage, custom_id: str | None, label: str | None
    ) -> tuple[FakeMessage, FakeComponent]:
        messages = target.messages if isinstance(target, InteractionResult) else [target]
        for message in messages:
            for comp in message.components:
                if (custom_id is not None and comp.custom_id == custom_id) or (
                    custom_id is None and label is not None and comp.label == label
                ):
                    return message, comp
        have = [(c.label, c.custom_id) for m in messages for c in m.components]
        raise LookupError(f"no component {custom_id or label!r} on {messages}; components: {have}")

    async def click(
        self,
        target: InteractionResult | FakeMessage,
        custom_id: str | None = None,
        /,
        *,
        label: str | None = None,
        values: Sequence[Any] | None = None,
        user: FakeUser | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
    ) -> InteractionResult:
        """Click a button (by ``custom_id`` or ``label``) or pick ``values`` in a select menu."""
        if custom_id is None and label is None:
            raise ValueError("give a custom_id or a label")
        message, comp = self._find_component(target, custom_id, label)
        owner = message.interaction.user if message.interaction else None
        if user is None:
            user = owner or (target.user if isinstance(target, InteractionResult) else self.user("member"))
        if check:
            if message.deleted:
                raise ValueError(f"message {message.id} was deleted")
            if comp.disabled:
                raise ValueError(f"component {comp.custom_id or comp.label!r} is disabled")
            if comp.is_link:
                raise ValueError("a link button opens a URL; it sends no interaction")
            if message.ephemeral and owner is not None and owner is not user:
                raise PermissionError(f"only {owner.name} can see the ephemeral message {message.id}")
        data: dict[str, Any] = {"custom_id": comp.custom_id, "component_type": comp.type}
        if comp.type in SELECT_TYPES:
            picked = list(values or [])
            if check:
                lo = 1 if comp.min_values is None else comp.min_values
                hi = 1 if comp.max_values is None else comp.max_values
                if not lo <= len(picked) <= hi:
                    raise ValueError(f"select {comp.custom_id!r} takes {lo}..{hi} values, not {len(picked)}")
                if comp.type == 3:
                    allowed = [o.get("value") for o in comp.options]
                    bad = [v for v in picked if v not in allowed]
                    if bad:
                        raise ValueError(f"select {comp.custom_id!r} has no options {bad}; it has {allowed}")
            if comp.type == 3:
                data["values"] = [str(v) for v in picked]
            else:
                data["values"] = [str(getattr(v, "id", v)) for v in picked]
                resolved: dict[str, dict[str, Any]] = {}
                guild = self.guilds.get(int(message.raw.get("guild_id") or 0)) or (
                    message.interaction.guild if message.interaction else None
                )
                for v in picked:
                    kind = (
                        OPT_ROLE
                        if isinstance(v, FakeRole)
                        else OPT_CHANNEL
                        if isinstance(v, FakeChannel)
                        else OPT_USER
                    )
                    self._option_value({"type": kind, "name": comp.custom_id}, v, resolved, guild, False)
                data["resolved"] = resolved
        elif values:
            raise ValueError("values= is for select menus")
        channel = self._channels.get(message.channel_id) or self.dm_channel(user)
        guild_obj = self.guilds.get(channel.guild_id) if channel.guild_id else None
        member = None
        if guild_obj is not None:
            member = guild_obj.member(user) or guild_obj.add_member(user)
        result = await self._start_interaction(
            MESSAGE_COMPONENT,
            data,
            user,
            guild_obj,
            channel,
            member,
            command=comp.custom_id,
            source=message,
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    async def submit_modal(
        self,
        target: InteractionResult,
        values: Mapping[str, str],
        /,
        *,
        user: FakeUser | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
    ) -> InteractionResult:
        """Fill in the modal the bot opened on ``target`` and submit it."""
        modal = target.modal
        if modal is None:
            raise LookupError(
                f"the bot opened no modal for {target!r} (callback type {target.callback_type})"
            )
        user = user or target.user
        if check:
            known = {f.custom_id for f in modal.fields}
            unknown = set(values) - known
            if unknown:
                raise LookupError(
                    f"modal {modal.title!r} has no fields {sorted(unknown)}; it has {sorted(known)}"
                )
            for fld in modal.fields:
                text = values.get(fld.custom_id, fld.value or "")
                if fld.required and not text:
                    raise ValueError(f"modal field {fld.custom_id!r} is required")
                if text and fld.min_length is not None and len(text) < fld.min_length:
                    raise ValueError(f"modal field {fld.custom_id!r}: shorter than {fld.min_length}")
                if fld.max_length is not None and len(text) > fld.max_length:
                    raise ValueError(f"modal field {fld.custom_id!r}: longer than {fld.max_length}")
        components = []
        counter = itertools.count(1)
        for top in modal.raw.get("components") or []:
            if top.get("type") == 18 and isinstance(top.get("component"), dict):
                inner = top["component"]
                cid = inner.get("custom_id")
                components.append(
                    {
                        "type": 18,
                        "id": next(counter),
                        "component": {
                            "type": inner.get("type", 4),
                            "id": next(counter),
                            "custom_id": cid,
                            "value": values.get(cid, inner.get("value") or ""),
                        },
                    }
                )
            elif top.get("type") == 1:
                row_id = next(counter)
                row = [
                    {
                        "type": c.get("type", 4),
                        "id": next(counter),
                        "custom_id": c.get("custom_id"),
                        "value": values.get(c.get("custom_id"), c.get("value") or ""),
                    }
                    for c in top.get("components") or []
                ]
                components.append({"type": 1, "id": row_id, "components": row})
            elif top.get("type") == 10:
                components.append({"type": 10, "id": next(counter)})
        data = {"custom_id": modal.custom_id, "components": components}
        source = target.source_message
        channel = target.channel
        result = await self._start_interaction(
            MODAL_SUBMIT,
            data,
            user,
            target.guild,
            channel,
            target.guild.member(user) if target.guild else None,
            command=modal.custom_id,
            source=source,
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    # -- load ----------------------------------------------------------------------------------

    async def run_load(
        self,
        command: str,
        *,
        count: int,
        concurrency: int = 10,
        options: Mapping[str, Any] | None = None,
        users: int = 50,
        timeout: float | None = None,
        option_sets: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Send ``count`` slash commands, ``concurrency`` at a time; callback latency statistics.

        ``option_sets``, when given, are used in turn (interaction ``i`` gets set ``i mod n``)."""
        members = [self.user(f"load{i}") for i in range(max(1, users))]
        sem = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        failures: list[str] = []

        async def one(i: int) -> None:
            async with sem:
                try:
                    chosen = option_sets[i % len(option_sets)] if option_sets else options
                    r = await self.slash(
                        command, user=members[i % len(members)], options=chosen, timeout=timeout
                    )
                    if r.latency is not None:
                        latencies.append(r.latency)
                except (InteractionTimeout, BotCrashed) as exc:
                    failures.append(str(exc).splitlines()[0])

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        elapsed = time.perf_counter() - started
        latencies.sort()

        def pct(p: float) -> float | None:
            if not latencies:
                return None
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

        return {
            "count": count,
            "concurrency": concurrency,
            "elapsed_s": elapsed,
            "per_second": count / elapsed if elapsed else None,
            "latency_s": {
                "p50": pct(0.50),
                "p90": pct(0.90),
                "p99": pct(0.99),
                "max": latencies[-1] if latencies else None,
                "mean": statistics.fmean(latencies) if latencies else None,
            },
            "failures": failures[:20],
            "failure_count": len(failures),
        }

    # ==============================================================================================
    # Control routes for other processes (/_fake/...)
    # ==============================================================================================

    def _control_routes(self) -> list[tuple[str, str, Callable[[web.Request], Any]]]:
        """HTTP control channel. Bodies and answers are JSON; users are named by ``name``.

        ``GET /_fake/health``, ``GET /_fake/state``, ``POST /_fake/reset``,
        ``POST /_fake/users`` {name, guild?, admin?, manage_guild?, roles?},
        ``POST /_fake/guilds`` {name, channels?, roles?},
        ``POST /_fake/slash`` {command, user, options?, guild?, channel?, dm?, wait?, timeout?, check?}
        -> interaction summary (``id`` is the interaction id),
        ``POST /_fake/autocomplete`` {command, option, value, user, options?} -> {choices},
        ``POST /_fake/click`` {interaction_id | message_id, custom_id | label, user?, values?},
        ``POST /_fake/modal`` {interaction_id, values, user?},
        ``GET /_fake/interactions/{id}`` (``?wait=1&timeout=5`` waits for the answer),
        ``GET /_fake/requests?since=N``, ``GET /_fake/violations``, ``GET /_fake/timings``,
        ``POST /_fake/faults`` {match, status, times?, code?, message?, retry_after?, global?},
        ``DELETE /_fake/faults``,
        ``POST /_fake/gateway/close`` {code, hold?}, ``POST /_fake/gateway/hold``,
        ``POST /_fake/gateway/release``, ``POST /_fake/gateway/invalid_session`` {resumable},
        ``POST /_fake/gateway/reconnect``,
        ``GET /_fake/wait?for=connected|identify|resume&count=N&timeout=S``,
        ``GET /_fake/dms/{user}``, ``POST /_fake/dms/{user}/closed`` {closed},
        ``POST /_fake/load`` {command, count, concurrency?, options?, users?}.
        """
        return [
            ("GET", "/_fake/health", self._c_health),
            ("GET", "/_fake/state", self._c_state),
            ("POST", "/_fake/reset", self._c_reset),
            ("POST", "/_fake/users", self._c_user),
            ("POST", "/_fake/guilds", self._c_guild),
            ("POST", "/_fake/slash", self._c_slash),
            ("POST", "/_fake/autocomplete", self._c_autocomplete),
            ("POST", "/_fake/click", self._c_click),
            ("POST", "/_fake/modal", self._c_modal),
            ("GET", "/_fake/interactions/{id}", self._c_interaction),
            ("GET", "/_fake/requests", self._c_requests),
            ("GET", "/_fake/violations", self._c_violations),
            ("GET", "/_fake/timings", self._c_timings),
            ("POST", "/_fake/faults", self._c_fault),
            ("DELETE", "/_fake/faults", self._c_clear_faults),
            ("POST", "/_fake/gateway/{action}", self._c_gateway),
            ("GET", "/_fake/wait", self._c_wait),
            ("GET", "/_fake/dms/{user}", self._c_dms),
            ("POST", "/_fake/dms/{user}/closed", self._c_dms_closed),
            ("POST", "/_fake/load", self._c_load),
        ]

    @staticmethod
    async def _c_body(request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        return json.loads(raw) if raw else {}

    def _c_json(self, data: Any, status: int = 200) -> web.Response:
        return self._json_response(status, data)

    def _c_user_named(self, name: Any) -> FakeUser:
        if isinstance(name, str) or name is None:
            return self.user(name or "member")
        raise web.HTTPBadRequest(text="user must be a name")

    def _c_guild_named(self, ref: Any) -> Any:
        if ref is None:
            return _DEFAULT
        for guild in self.guilds.values():
            if ref in (guild.name, str(guild.id)):
                return guild
        raise web.HTTPNotFound(text=f"no guild {ref!r}")

    def _c_options(self, options: Mapping[str, Any], guild: Any) -> dict[str, Any]:
        """Option values from JSON: ``{"@user": "bob"}``, ``{"@role": "mods"}``, ``{"@channel": "general"}``."""
        out: dict[str, Any] = {}
        target = self.default_guild if guild is _DEFAULT else guild
        for key, value in options.items():
            if isinstance(value, dict) and "@user" in value:
                out[key] = self.user(value["@user"])
            elif isinstance(value, dict) and "@role" in value:
                out[key] = target.role(value["@role"])
            elif isinstance(value, dict) and "@channel" in value:
                out[key] = target.channel(value["@channel"])
            elif isinstance(value, dict) and "@file" in value:
                out[key] = FakeFile(
                    value["@file"], str(value.get("text", "")).encode(), value.get("content_type")
                )
            else:
                out[key] = value
        return out

    async def _c_call(self, coro: Any) -> web.Response:
        try:
            result = await coro
        except (InteractionTimeout, BotCrashed) as exc:
            return self._c_json({"error": type(exc).__name__, "detail": str(exc)}, 504)
        except (LookupError, ValueError, TypeError, PermissionError, RuntimeError) as exc:
            return self._c_json({"error": type(exc).__name__, "detail": str(exc)}, 400)
        if isinstance(result, InteractionResult):
            return self._c_json(result.summary())
        return self._c_json(result)

    async def _c_health(self, request: web.Request) -> web.Response:
        return self._c_json({"ok": True, "url": self.url, "pid": os.getpid()})

    async def _c_state(self, request: web.Request) -> web.Response:
        return self._c_json(
            {
                "url": self.url,
                "connected": self.connected,
                "identify_count": self.identify_count,
                "resume_count": self.resume_count,
                "heartbeat_count": self.heartbeat_count,
                "requests": len(self.requests),
                "violations": len(self.violations),
                "mention_violations": len(self.mention_violations),
                "unexpected": len(self.unexpected),
                "interactions": len(self.interactions),
                "application_id": str(self.application_id),
                "global_commands": [c["name"] for c in self.global_commands],
                "guild_commands": {str(k): [c["name"] for c in v] for k, v in self.guild_commands.items()},
                "guilds": [{"id": str(g.id), "name": g.name} for g in self.guilds.values()],
            }
        )

    async def _c_reset(self, request: web.Request) -> web.Response:
        self.reset_records()
        return self._c_json({"ok": True})

    async def _c_user(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        guild = self._c_guild_named(body.get("guild")) if body.get("guild") else None
        user = self.user(
            body["name"],
            guild=guild,
            roles=body.get("roles") or (),
            admin=bool(body.get("admin")),
            manage_guild=bool(body.get("manage_guild")),
        )
        return self._c_json(user.to_dict())

    async def _c_guild(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        guild = self.guild(
            body.get("name", "Support Group"),
            channels=body.get("channels") or ("general",),
            roles=body.get("roles") or (),
        )
        return self._c_json(guild.to_dict() | {"channels": [c.to_dict() for c in guild.channels]})

    async def _c_slash(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        guild = self._c_guild_named(body.get("guild"))
        channel = None
        if body.get("channel"):
            channel = (self.default_guild if guild is _DEFAULT else guild).channel(body["channel"])
        return await self._c_call(
            self.slash(
                body["command"],
                user=self._c_user_named(body.get("user")),
                guild=guild,
                channel=channel,
                dm=bool(body.get("dm")),
                options=self._c_options(body.get("options") or {}, guild),
                wait=body.get("wait", True),
                timeout=body.get("timeout"),
                check=body.get("check", True),
            )
        )

    async def _c_autocomplete(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        guild = self._c_guild_named(body.get("guild"))

        async def run() -> dict[str, Any]:
            choices = await self.autocomplete(
                body["command"],
                body["option"],
                body.get("value", ""),
                user=self._c_user_named(body.get("user")),
                guild=guild,
                dm=bool(body.get("dm")),
                options=self._c_options(body.get("options") or {}, guild),
                timeout=body.get("timeout"),
            )
            return {
                "id": str(choices.result.id),
                "choices": [{"name": c.name, "value": c.value} for c in choices],
            }

        return await self._c_call(run())

    def _c_target(self, body: Mapping[str, Any]) -> InteractionResult | FakeMessage:
        if body.get("message_id"):
            message = self.messages.get(int(body["message_id"]))
            if message is None:
                raise web.HTTPNotFound(text="no such message")
            return message
        result = self.interactions.get(int(body.get("interaction_id") or 0))
        if result is None:
            raise web.HTTPNotFound(text="no such interaction")
        return result

    async def _c_click(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        target = self._c_target(body)
        user = self._c_user_named(body["user"]) if body.get("user") else None
        return await self._c_call(
            self.click(
                target,
                body.get("custom_id"),
                label=body.get("label"),
                values=body.get("values"),
                user=user,
                wait=body.get("wait", True),
                timeout=body.get("timeout"),
            )
        )

    async def _c_modal(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        target = self._c_target(body)
        if not isinstance(target, InteractionResult):
            raise web.HTTPBadRequest(text="interaction_id needed")
        user = self._c_user_named(body["user"]) if body.get("user") else None
        return await self._c_call(
            self.submit_modal(
                target,
                body.get("values") or {},
                user=user,
                wait=body.get("wait", True),
                timeout=body.get("timeout"),
            )
        )

    async def _c_interaction(self, request: web.Request) -> web.Response:
        result = self.interactions.get(int(request.match_info["id"]))
        if result is None:
            return self._c_json({"error": "LookupError", "detail": "no such interaction"}, 404)
        if _truthy(request.query.get("wait")):
            timeout = float(request.query.get("timeout", self.default_timeout))
            return await self._c_call(result.wait(timeout))
        return self._c_json(result.summary())

    async def _c_requests(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        return self._c_json([r.summary() for r in self.requests[since:]])

    async def _c_violations(self, request: web.Request) -> web.Response:
        return self._c_json(
            {
                "violations": [str(v) for v in self.violations],
                "mention_violations": [str(v) for v in self.mention_violations],
                "unexpected": [f"{r.method} {r.path}" for r in self.unexpected],
            }
        )

    async def _c_timings(self, request: web.Request) -> web.Response:
        return self._c_json(self.timings())

    async def _c_fault(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        fault = self.fail(
            body["match"],
            int(body["status"]),
            times=body.get("times", 1),
            code=body.get("code"),
            message=body.get("message"),
            retry_after=body.get("retry_after"),
            is_global=bool(body.get("global")),
        )
        return self._c_json({"id": fault.id})

    async def _c_clear_faults(self, request: web.Request) -> web.Response:
        self.clear_faults()
        return self._c_json({"ok": True})

    async def _c_gateway(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        action = request.match_info["action"]
        if action == "close":
            return await self._c_call(
                self._c_ok(self.close_gateway(int(body.get("code", 1000)), hold=bool(body.get("hold"))))
            )
        if action == "hold":
            self.hold_gateway()
        elif action == "release":
            self.release_gateway()
        elif action == "invalid_session":
            return await self._c_call(self._c_ok(self.invalid_session(bool(body.get("resumable")))))
        elif action == "reconnect":
            return await self._c_call(self._c_ok(self.reconnect()))
        else:
            return self._c_json({"error": "LookupError", "detail": f"no gateway action {action!r}"}, 404)
        return self._c_json({"ok": True})

    @staticmethod
    async def _c_ok(coro: Any) -> dict[str, Any]:
        await coro
        return {"ok": True}

    async def _c_wait(self, request: web.Request) -> web.Response:
        what = request.query.get("for", "connected")
        count = int(request.query.get("count", 1))
        timeout = float(request.query.get("timeout", self.default_timeout))
        predicates = {
            "connected": lambda: self.connected,
            "identify": lambda: self.identify_count >= count,
            "resume": lambda: self.resume_count >= count,
            "interactions": lambda: len(self.interactions) >= count,
        }
        if what not in predicates:
            return self._c_json({"error": "LookupError", "detail": f"cannot wait for {what!r}"}, 400)
        return await self._c_call(self._c_ok(self.wait_until(predicates[what], timeout, what)))

    async def _c_dms(self, request: web.Request) -> web.Response:
        user = self.find_user(request.match_info["user"])
        if user is None:
            return self._c_json([])
        return self._c_json([m.summary() for m in self.dms_for(user)])

    async def _c_dms_closed(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        self.set_dms_closed(self.user(request.match_info["user"]), bool(body.get("closed", True)))
        return self._c_json({"ok": True})

    async def _c_load(self, request: web.Request) -> web.Response:
        body = await self._c_body(request)
        return await self._c_call(
            self.run_load(
                body["command"],
                count=int(body["count"]),
                concurrency=int(body.get("concurrency", 10)),
                options=body.get("options"),
                users=int(body.get("users", 50)),
                timeout=body.get("timeout"),
            )
        )


# ==================================================================================================
# Running a discord.py client against the fake (reusable by conftest)
# ==================================================================================================


class ClientRunner:
    """A discord.py client running in a task against a fake; ``check()`` raises if it has died."""

    def __init__(self, client: Any, task: asyncio.Task[Any], fake: FakeDiscord | None) -> None:
        self.client = client
        self.task = task
        self.fake = fake
        self.ready_after: float | None = None  # seconds from start() to is_ready()

    def check(self) -> None:
        if self.task.done():
            exc = None if self.task.cancelled() else self.task.exception()
            raise BotCrashed(f"the client task ended: {exc!r}") from exc

    async def stop(self) -> None:
        """Close the client and wait for its task; a crash is reported by :meth:`check`, not here."""
        if self.fake is not None:
            self.fake.unwatch(self.task)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.close(), 5)
        await asyncio.wait({self.task}, timeout=5)
        if not self.task.done():
            self.task.cancel()
            await asyncio.wait({self.task}, timeout=1)
        elif not self.task.cancelled():
            self.task.exception()  # mark it retrieved


@contextlib.asynccontextmanager
async def running_client(
    fake: FakeDiscord | str,
    client: Any,
    *,
    token: str = "fake-bot-token",
    ready_timeout: float = 5.0,
) -> AsyncIterator[ClientRunner]:
    """Point discord.py at ``fake`` (a FakeDiscord or a base URL), start ``client`` and wait for ready.

    The client task is watched: a crash fails the fake's waits at once and is raised at exit.
    """
    from bot.endpoint import point_discord_at  # the production switch; nothing else is patched

    point_discord_at(fake.url if isinstance(fake, FakeDiscord) else fake)
    started = time.perf_counter()
    task = asyncio.get_running_loop().create_task(client.start(token), name="discord-client")
    runner = ClientRunner(client, task, fake if isinstance(fake, FakeDiscord) else None)
    if runner.fake is not None:
        runner.fake.watch(task)
    try:
        deadline = time.monotonic() + ready_timeout
        while not client.is_ready():
            runner.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the client was not ready after {ready_timeout}s")
            await asyncio.sleep(0.002)
        runner.ready_after = time.perf_counter() - started
        yield runner
        runner.check()
    finally:
        await runner.stop()


# ==================================================================================================
# Separate process
# ==================================================================================================


class RemoteFake:
    """Drive a fake running in another process through its ``/_fake/`` control routes."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._session: ClientSession | None = None
        self._timeout = timeout

    async def __aenter__(self) -> RemoteFake:
        self._session = ClientSession(timeout=ClientTimeout(total=self._timeout))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        assert self._session is not None, "use `async with RemoteFake(url) as remote`"
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self._session.request(
            method, f"{self.url}/_fake/{path}", json=body, params=params
        ) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                raise RuntimeError(f"{method} /_fake/{path} -> {resp.status}: {data}")
            return data

    async def slash(
        self, command: str, *, user: str = "member", options: Mapping[str, Any] | None = None, **kw: Any
    ):
        return await self.call(
            "POST", "slash", {"command": command, "user": user, "options": options or {}, **kw}
        )

    async def autocomplete(self, command: str, option: str, value: str, *, user: str = "member", **kw: Any):
        body = {"command": command, "option": option, "value": value, "user": user, **kw}
        return (await self.call("POST", "autocomplete", body))["choices"]

    async def click(self, interaction_id: str, custom_id: str | None = None, **kw: Any):
        return await self.call(
            "POST", "click", {"interaction_id": interaction_id, "custom_id": custom_id, **kw}
        )

    async def submit_modal(self, interaction_id: str, values: Mapping[str, str], **kw: Any):
        return await self.call(
            "POST", "modal", {"interaction_id": interaction_id, "values": dict(values), **kw}
        )

    async def interaction(self, interaction_id: str, *, wait: bool = False, timeout: float | None = None):
        return await self.call("GET", f"interactions/{interaction_id}", wait=int(wait), timeout=timeout)

    async def state(self) -> dict[str, Any]:
        return await self.call("GET", "state")

    async def wait_for(self, what: str = "connected", count: int = 1, timeout: float = 10.0) -> None:
        await self.call("GET", "wait", **{"for": what, "count": count, "timeout": timeout})

    async def fail(self, match: str, status: int, **kw: Any) -> int:
        return (await self.call("POST", "faults", {"match": match, "status": status, **kw}))["id"]

    async def close_gateway(self, code: int = 1000, *, hold: bool = False) -> None:
        await self.call("POST", "gateway/close", {"code": code, "hold": hold})

    async def gateway(self, action: str, **body: Any) -> None:
        await self.call("POST", f"gateway/{action}", body)

    async def dms_for(self, user: str) -> list[dict[str, Any]]:
        return await self.call("GET", f"dms/{user}")

    async def set_dms_closed(self, user: str, closed: bool = True) -> None:
        await self.call("POST", f"dms/{user}/closed", {"closed": closed})

    async def violations(self) -> dict[str, list[str]]:
        return await self.call("GET", "violations")

    async def timings(self) -> list[dict[str, Any]]:
        return await self.call("GET", "timings")

    async def load(self, command: str, *, count: int, concurrency: int = 10, **kw: Any) -> dict[str, Any]:
        return await self.call(
            "POST", "load", {"command": command, "count": count, "concurrency": concurrency, **kw}
        )


@dataclass
class FakeProcess:
    process: subprocess.Popen[str]
    url: str

    def remote(self, **kw: Any) -> RemoteFake:
        return RemoteFake(self.url, **kw)

    def stop(self, timeout: float = 5.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode


def start_fake_process(*args: str, port: int = 0, startup_timeout: float = 20.0) -> FakeProcess:
    """Start ``fake_discord.py --port PORT ARGS...`` in its own process and wait until it listens."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--port", str(port), *args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    deadline = time.monotonic() + startup_timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("FAKE_DISCORD_READY "):
            return FakeProcess(process, line.split()[1])
    process.kill()
    raise RuntimeError(f"the fake Discord process did not start (exit code {process.poll()})")


async def serve_forever(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    guilds: Sequence[str] = ("Support Group",),
    channels: Sequence[str] = ("general",),
    ready: Callable[[FakeDiscord], None] | None = None,
    **options: Any,
) -> None:
    """Run a fake until SIGINT/SIGTERM; ``ready(fake)`` is called once it listens."""
    fake = FakeDiscord(host=host, port=port, **options)
    for name in guilds:
        fake.guild(name, channels=channels)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with fake:
        if ready is not None:
            ready(fake)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Discord (REST + gateway) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--guild", action="append", help="guild name (repeatable; default 'Support Group')")
    parser.add_argument("--channel", action="append", help="text channel per guild (default 'general')")
    parser.add_argument("--zlib", action="store_true", help="send zlib-stream gateway frames")
    parser.add_argument("--no-validate", action="store_true", help="skip OpenAPI validation (load runs)")
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--ack-deadline", type=float, default=3.0, help="seconds to acknowledge (0: none)")
    args = parser.parse_args(argv)

    def announce(fake: FakeDiscord) -> None:
        print(f"FAKE_DISCORD_READY {fake.url}", flush=True)

    asyncio.run(
        serve_forever(
            args.port,
            host=args.host,
            guilds=args.guild or ("Support Group",),
            channels=args.channel or ("general",),
            ready=announce,
            zlib_stream=args.zlib,
            validate=not args.no_validate,
            token=args.token,
            ack_deadline=args.ack_deadline or None,
        )
    )


if __name__ == "__main__":
    main()
