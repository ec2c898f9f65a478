"""Control routes (/_fake/...) that let another process drive the fake."""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .base import _DEFAULT, BotCrashed, InteractionTimeout, _truthy
from .entities import FakeUser
from .interactions import InteractionResult
from .messages import FakeFile, FakeMessage


class ControlMixin:
    """Control routes (/_fake/...) that let another process drive the fake. Mixed into :class:`FakeDiscord`."""

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


