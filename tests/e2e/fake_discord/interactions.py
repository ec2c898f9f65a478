"""What a member's interaction returned, and the gateway's connections and sessions."""

# The helpers take ``timeout=`` on purpose: a test reads better as ``await result.wait(timeout=2)``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..openapi_validator import normalise_path
from .base import CB_DEFER, CB_DEFER_UPDATE, InteractionTimeout
from .entities import FakeChannel, FakeGuild, FakeUser
from .messages import Choices, FakeComponent, FakeFile, FakeMessage, FakeModal
from .records import RecordedRequest

if TYPE_CHECKING:
    from .core import FakeDiscord


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


