"""The gateway: HELLO, IDENTIFY, RESUME, dispatch, and closing or holding connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from ..fake_shards import parse_shard, shard_of
from .base import _dumps
from .interactions import _Connection, _Session


class GatewayMixin:
    """The gateway: HELLO, IDENTIFY, RESUME, dispatch, and closing or holding connections. Mixed into :class:`FakeDiscord`."""

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

