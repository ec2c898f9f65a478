"""REST: routing, authorisation, request validation and the simple GET/PUT handlers."""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from ..openapi_validator import CALLBACK_ROUTE, message_payload, normalise_path
from .base import JSON_TYPE, _dumps
from .entities import FakeGuild
from .messages import FakeFile
from .records import MentionViolation, RecordedRequest, Violation, _form_errors, _HTTPError


class RestMixin:
    """REST: routing, authorisation, request validation and the simple GET/PUT handlers. Mixed into :class:`FakeDiscord`."""

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

