"""Resolving a member's slash command against the synced commands and building its payload."""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from .base import (
    _DEFAULT,
    ALL_PERMISSIONS,
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_GROUP,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB,
    OPT_USER,
)
from .entities import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .interactions import InteractionResult
from .messages import FakeFile, FakeMessage


class CommandsMixin:
    """Resolving a member's slash command against the synced commands and building its payload. Mixed into :class:`FakeDiscord`."""

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

