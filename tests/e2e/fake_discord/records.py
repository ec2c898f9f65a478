"""Recorded requests, OpenAPI and mention violations, injected faults and HTTP errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..openapi_validator import normalise_path
from .base import _dumps
from .messages import FakeFile

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


