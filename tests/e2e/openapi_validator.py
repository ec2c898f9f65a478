"""Validate the requests the bot sends against Discord's published OpenAPI 3.1 description.

The description is vendored in ``tests/e2e/discord_api/openapi.json`` (see the README there). It is loaded
once per process. :func:`get_validator` returns the shared :class:`OpenAPIValidator`.

The rule this module follows: **a reported problem must be something real Discord rejects.**
The published description is stricter than the live API in a few places, and it cannot express
some rules the live API enforces. Both are handled here, and every deviation is listed below.

Where this module is more lenient than the description:

* ``oneOf`` is checked as ``anyOf``. Discord's unions are discriminated by a ``type`` field and its
  object schemas allow unknown keys, so a payload can match two branches (``null`` plus a nullable
  object, or two component schemas that differ only in optional keys). Discord accepts such a
  payload. ``oneOf`` would call it invalid because it matches more than one branch. ``anyOf``
  still fails when the payload matches no branch at all.
* Snowflakes may be JSON integers as well as decimal strings. discord.py sends integers for
  ``allowed_mentions.users`` and ``attachments[].id``, and Discord accepts them.
* 64-bit integer fields (anything whose maximum is above 2**32, such as
  ``default_member_permissions``) may also be decimal strings. discord.py sends permissions as
  strings, which Discord documents and accepts.
* Query parameters are not checked. discord.py sends ``with_response=1`` and ``wait=1``, which
  Discord accepts, but they are not JSON-Schema booleans.

Where this module is stricter than the description (rules Discord enforces that the
description cannot express):

* A bot's message ``content`` may have at most 2000 characters. The description allows 4000 on
  ``POST /channels/{id}/messages``, but that limit is for Nitro users.
* All embeds in one message together may have at most 6000 characters.
* A message without the components-v2 flag (``1 << 15``) may have at most 5 action rows, and
  every top-level component must be an action row.
* A select menu must be alone in its action row.
* A link button (style 5) needs a ``url`` and no ``custom_id``. Every other button, except the
  premium style 6, needs a ``custom_id`` and no ``url``. ``custom_id`` values must be unique
  within a message or modal.
* A message must not be empty: it needs content, an embed, a file, components, a sticker or a
  poll (error 50006).
* The string formats ``uri``, ``date-time``, ``snowflake``, ``nonce``, ``int32`` and ``int64`` are
  checked. jsonschema treats ``format`` as an annotation unless a checker is given.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema.exceptions import ValidationError

__all__ = [
    "OpenAPIValidator",
    "RouteMatch",
    "get_validator",
    "spec_path",
]

API_PREFIX = "/api/v10"
COMPONENTS_V2_FLAG = 1 << 15
MAX_BOT_CONTENT = 2000
MAX_EMBED_TOTAL = 6000
_INT64_THRESHOLD = 2**32


def spec_path() -> Path:
    """Where Discord's OpenAPI description is: vendored beside this module."""
    return Path(__file__).resolve().parent / "discord_api" / "openapi.json"


# --------------------------------------------------------------------------------------------------
# Spec preprocessing
# --------------------------------------------------------------------------------------------------


def _relax(node: Any) -> Any:
    """Return a copy of a schema node with the documented relaxations applied."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "oneOf":
            out["anyOf"] = _relax(value)
        else:
            out[key] = _relax(value)
    types = out.get("type")
    type_list = types if isinstance(types, list) else [types]
    maximum = out.get("maximum")
    if "integer" in type_list and isinstance(maximum, int) and maximum > _INT64_THRESHOLD:
        # 64-bit integers travel as decimal strings as well.
        return {"anyOf": [out, {"type": "string", "pattern": r"^-?[0-9]+$"}]}
    return out


def _prepare_components(spec: dict[str, Any]) -> dict[str, Any]:
    components = _relax(copy.deepcopy(spec.get("components", {})))
    schemas = components.setdefault("schemas", {})
    schemas["SnowflakeType"] = {
        "anyOf": [
            {"type": "string", "pattern": r"^(0|[1-9][0-9]*)$", "format": "snowflake"},
            {"type": "integer", "minimum": 0, "maximum": 2**64 - 1},
        ]
    }
    return components


_format_checker = jsonschema.FormatChecker(formats=())
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


@_format_checker.checks("uri", raises=ValueError)
def _check_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not _URI_SCHEME.match(parts.scheme):
        raise ValueError("not an absolute URL")
    if parts.scheme in {"http", "https"} and not parts.netloc:
        raise ValueError("http(s) URL without a host")
    if not (parts.netloc or parts.path):
        raise ValueError("URL without a host or path")
    if any(ch.isspace() for ch in value):
        raise ValueError("URL contains whitespace")
    return True


@_format_checker.checks("date-time", raises=ValueError)
def _check_datetime(value: object) -> bool:
    if isinstance(value, str):
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@_format_checker.checks("snowflake")
def _check_snowflake(value: object) -> bool:
    if isinstance(value, str):
        return value.isdigit() and int(value) < 2**64
    return True


@_format_checker.checks("nonce")
def _check_nonce(value: object) -> bool:
    return not isinstance(value, str) or len(value) <= 25


@_format_checker.checks("int32")
def _check_int32(value: object) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**31) <= value < 2**31
    return True


@_format_checker.checks("int64")
def _check_int64(value: object) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**64
    return True


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteMatch:
    """A request path matched to a path template of the description."""

    template: str
    params: dict[str, str]
    operation: dict[str, Any] | None  # None when the template has no operation for the method


@dataclass
class _Template:
    template: str
    regex: re.Pattern[str]
    literal_segments: int
    item: dict[str, Any]


def _compile_template(template: str, item: dict[str, Any]) -> _Template:
    parts = []
    literal = 0
    for segment in template.strip("/").split("/"):
        names = re.findall(r"\{([^}]+)\}", segment)
        if not names:
            literal += 1
            parts.append(re.escape(segment))
            continue
        pattern = re.escape(segment)
        for name in names:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{_group(name)}>[^/]+)")
        parts.append(pattern)
    regex = re.compile("^/" + "/".join(parts) + "/?$")
    return _Template(template, regex, literal, item)


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def normalise_path(path: str) -> str:
    """Strip the query string and the ``/api/v10`` prefix from a request path."""
    path = path.split("?", 1)[0]
    if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
        path = path[len(API_PREFIX) :] or "/"
    return path


# --------------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------------


@dataclass
class BodyCheck:
    """What one request body was checked against and what was wrong with it."""

    route: str | None
    schema: str | None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class OpenAPIValidator:
    """Request validation against Discord's OpenAPI description. Build it with :func:`get_validator`."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._components = _prepare_components(spec)
        templates = [_compile_template(t, item) for t, item in spec.get("paths", {}).items()]
        # Literal segments beat placeholders: /users/@me/channels before /users/{user_id}/...
        templates.sort(key=lambda t: (-t.literal_segments, t.template))
        self._templates = templates
        self._validators: dict[tuple[str, ...], jsonschema.protocols.Validator] = {}
        self._lock = threading.Lock()

    # -- routes --------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> RouteMatch | None:
        """Match ``METHOD /path`` (with or without ``/api/v10``) to a path template."""
        path = normalise_path(path)
        method = method.lower()
        fallback: RouteMatch | None = None
        for tmpl in self._templates:
            m = tmpl.regex.match(path)
            if not m:
                continue
            params = m.groupdict()
            op = tmpl.item.get(method)
            if op is not None:
                return RouteMatch(tmpl.template, params, op)
            if fallback is None:
                fallback = RouteMatch(tmpl.template, params, None)
        return fallback

    # -- schemas -------------------------------------------------------------------------------

    def _validator_for(self, key: tuple[str, ...], schema: dict[str, Any]):
        with self._lock:
            validator = self._validators.get(key)
            if validator is None:
                root = dict(_relax(copy.deepcopy(schema)))
                root["components"] = self._components
                root.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
                validator = jsonschema.Draft202012Validator(root, format_checker=_format_checker)
                self._validators[key] = validator
            return validator

    def schema_validator(self, name: str):
        """A validator for ``#/components/schemas/<name>`` (for direct checks in tests)."""
        if name not in self._components.get("schemas", {}):
            raise KeyError(f"no schema named {name!r} in the description")
        return self._validator_for(("schema", name), {"$ref": f"#/components/schemas/{name}"})

    def validate_schema(self, name: str, instance: Any) -> list[str]:
        """Errors of ``instance`` against one named component schema."""
        return _errors(self.schema_validator(name), instance)

    def request_schema(self, method: str, path: str, content_type: str = "application/json"):
        """``(route match, schema, schema label)`` for a request, or raise ``LookupError``."""
        match = self.match(method, path)
        if match is None:
            raise LookupError(f"{method.upper()} {normalise_path(path)} is not a route of Discord's API")
        if match.operation is None:
            raise LookupError(f"{method.upper()} is not allowed on {match.template}")
        body = match.operation.get("requestBody")
        if body is None:
            return match, None, None
        content = body.get("content", {})
        media = content.get(content_type) or content.get("application/json")
        if media is None:
            raise LookupError(f"{match.template} does not accept {content_type}")
        schema = media.get("schema", {})
        label = schema.get("$ref", "").rsplit("/", 1)[-1] or _describe(schema)
        return match, schema, label

    def validate_request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        has_body: bool | None = None,
        file_count: int = 0,
    ) -> BodyCheck:
        """Check one request. ``body`` is the JSON body, or the ``payload_json`` of a multipart body."""
        if has_body is None:
            has_body = body is not None
        try:
            match, schema, label = self.request_schema(method, path, content_type)
        except LookupError as exc:
            return BodyCheck(None, None, [str(exc)])
        check = BodyCheck(match.template, label)
        if schema is None:
            if has_body and body not in (None, {}, ""):
                check.errors.append(f"{method.upper()} {match.template} takes no request body")
            return check
        required = bool(match.operation and match.operation["requestBody"].get("required"))
        if not has_body:
            if required:
                check.errors.append(f"{method.upper()} {match.template} needs a request body")
            return check
        key = ("request", match.template, method.lower(), content_type)
        check.errors.extend(_errors(self._validator_for(key, schema), body))
        check.errors.extend(_semantic_errors(method.upper(), match.template, body, file_count))
        return check

    # -- responses (used to check the fake's own answers) --------------------------------------

    def validate_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Errors of a response body against the description (to keep a fake honest)."""
        match = self.match(method, path)
        if match is None or match.operation is None:
            return [f"{method.upper()} {normalise_path(path)} is not a route of Discord's API"]
        responses = match.operation.get("responses", {})
        spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if spec is None:
            return [f"{match.template} documents no {status} response"]
        spec = self._deref(spec)
        media = spec.get("content", {}).get("application/json")
        if media is None:
            return [] if body in (None, b"", "") else [f"{match.template} {status} documents no body"]
        key = ("response", match.template, method.lower(), str(status))
        return _errors(self._validator_for(key, media.get("schema", {})), body)

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node


def _describe(schema: dict[str, Any]) -> str:
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            names = [s.get("$ref", "?").rsplit("/", 1)[-1] for s in schema[key] if isinstance(s, dict)]
            return f"{key}({', '.join(names)})"
    if schema.get("type") == "array" or "array" in (schema.get("type") or []):
        items = schema.get("items", {})
        return f"array of {items.get('$ref', '?').rsplit('/', 1)[-1]}"
    return "inline schema"


def _location(error: ValidationError) -> str:
    out = "body"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _leaf(error: ValidationError) -> ValidationError:
    """The most telling error inside an ``anyOf`` failure.

    Branches that fail on their discriminator (a wrong ``type`` value, or ``null`` for an object)
    are dropped; of the rest, the branch with the fewest errors wins. The message then names
    what is wrong with the payload in the branch it was meant for (for example, the embed title
    that is too long, rather than "not valid under any of the given schemas").
    """
    while error.context:
        by_branch: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else 0
            by_branch.setdefault(branch, []).append(sub)
        candidates = [errs for errs in by_branch.values() if not _discriminated_out(errs)]
        if not candidates:
            candidates = list(by_branch.values())
        chosen = min(candidates, key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)))
        error = min(chosen, key=lambda e: list(map(str, e.absolute_path)))
    return error


def _discriminated_out(errors: list[ValidationError]) -> bool:
    for e in errors:
        if e.validator in {"enum", "const"} and len(e.relative_path) <= 1:
            return True
        if e.validator == "type" and not e.relative_path:
            return True
    return False


def _errors(validator, instance: Any) -> list[str]:
    out = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        leaf = _leaf(error)
        out.append(f"{_location(leaf)}: {_message(leaf)} (schema rule {leaf.validator!s})")
    return out


def _message(error: ValidationError) -> str:
    value, limit, rule = error.instance, error.validator_value, error.validator
    if rule in {"maxLength", "minLength"} and isinstance(value, str):
        bound = "at most" if rule == "maxLength" else "at least"
        return f"{_short(value, 40)} has {len(value)} characters; {bound} {limit} are allowed"
    if rule in {"maxItems", "minItems"} and isinstance(value, list):
        bound = "at most" if rule == "maxItems" else "at least"
        return f"{len(value)} items; {bound} {limit} are allowed"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


# --------------------------------------------------------------------------------------------------
# Rules the description cannot express
# --------------------------------------------------------------------------------------------------

_MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
}
_CREATE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
}
_SELECT_TYPES = {3, 5, 6, 7, 8}
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"


def message_payload(method: str, template: str | None, body: Any) -> tuple[dict[str, Any] | None, bool]:
    """``(message fields, creates a message)`` of a request, or ``(None, False)`` if it has none."""
    if not isinstance(body, dict) or template is None:
        return None, False
    if template == CALLBACK_ROUTE and method == "POST":
        kind = body.get("type")
        data = body.get("data")
        if kind in (4, 7) and isinstance(data, dict):
            return data, kind == 4
        return None, False
    if (method, template) in _MESSAGE_ROUTES:
        return body, (method, template) in _CREATE_ROUTES
    return None, False


def _semantic_errors(method: str, template: str, body: Any, file_count: int) -> list[str]:
    errors: list[str] = []
    if template == CALLBACK_ROUTE and isinstance(body, dict):
        data = body.get("data")
        if body.get("type") == 9 and isinstance(data, dict):
            errors.extend(_unique_custom_ids(data.get("components") or [], "body.data"))
    message, creates = message_payload(method, template, body)
    if message is None:
        return errors
    prefix = "body.data" if template == CALLBACK_ROUTE else "body"
    content = message.get("content")
    if isinstance(content, str) and len(content) > MAX_BOT_CONTENT:
        errors.append(
            f"{prefix}.content: {len(content)} characters; a bot may send at most {MAX_BOT_CONTENT}"
        )
    errors.extend(_embed_errors(message.get("embeds") or [], prefix))
    flags = message.get("flags") or 0
    if isinstance(flags, str) and flags.isdigit():
        flags = int(flags)
    components = message.get("components") or []
    if isinstance(components, list) and not (isinstance(flags, int) and flags & COMPONENTS_V2_FLAG):
        if len(components) > 5:
            errors.append(f"{prefix}.components: {len(components)} action rows; at most 5 are allowed")
        for i, row in enumerate(components):
            if isinstance(row, dict) and row.get("type") != 1:
                errors.append(
                    f"{prefix}.components[{i}]: type {row.get('type')} needs the components-v2 message flag"
                )
    errors.extend(_row_width_errors(components, prefix))
    errors.extend(_button_errors(components, prefix))
    errors.extend(_unique_custom_ids(components, prefix))
    if creates and not _has_visible_part(message, file_count):
        errors.append(f"{prefix}: an empty message (error 50006 Cannot send an empty message)")
    return errors


def _has_visible_part(message: dict[str, Any], file_count: int) -> bool:
    if file_count:
        return True
    if isinstance(message.get("content"), str) and message["content"].strip():
        return True
    return any(message.get(key) for key in ("embeds", "components", "sticker_ids", "poll", "attachments"))


def _embed_errors(embeds: Iterable[Any], prefix: str) -> list[str]:
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        for key in ("title", "description"):
            if isinstance(embed.get(key), str):
                total += len(embed[key])
        for key, sub in (("footer", "text"), ("author", "name")):
            part = embed.get(key)
            if isinstance(part, dict) and isinstance(part.get(sub), str):
                total += len(part[sub])
        for fld in embed.get("fields") or []:
            if isinstance(fld, dict):
                total += sum(len(fld.get(k) or "") for k in ("name", "value") if isinstance(fld.get(k), str))
    if total > MAX_EMBED_TOTAL:
        return [f"{prefix}.embeds: {total} characters in all embeds; at most {MAX_EMBED_TOTAL} are allowed"]
    return []


def _walk_components(components: Iterable[Any], path: str):
    for i, comp in enumerate(components):
        if not isinstance(comp, dict):
            continue
        here = f"{path}[{i}]"
        yield here, comp
        children = comp.get("components")
        if isinstance(children, list):
            yield from _walk_components(children, here + ".components")
        child = comp.get("component")
        if isinstance(child, dict):
            yield from _walk_components([child], here + ".component")
        accessory = comp.get("accessory")
        if isinstance(accessory, dict):
            yield from _walk_components([accessory], here + ".accessory")


def _button_errors(components: Any, prefix: str) -> list[str]:
    if not isinstance(components, list):
        return []
    errors = []
    for where, comp in _walk_components(components, prefix + ".components"):
        if comp.get("type") != 2:
            continue
        style = comp.get("style")
        if style == 5:
            if not comp.get("url"):
                errors.append(f"{where}: a link button needs a url")
            if comp.get("custom_id"):
                errors.append(f"{where}: a link button cannot have a custom_id")
        elif style == 6:
            if not comp.get("sku_id"):
                errors.append(f"{where}: a premium button needs a sku_id")
        else:
            if not comp.get("custom_id"):
                errors.append(f"{where}: a button of style {style} needs a custom_id")
            if comp.get("url"):
                errors.append(f"{where}: only link buttons may have a url")
    return errors


def _row_width_errors(components: Any, prefix: str) -> list[str]:
    """A select menu fills a whole action row (error COMPONENT_LAYOUT_WIDTH_EXCEEDED otherwise)."""
    if not isinstance(components, list):
        return []
    errors = []
    for where, comp in _walk_components(components, prefix + ".components"):
        children = comp.get("components")
        if comp.get("type") != 1 or not isinstance(children, list):
            continue
        selects = [c for c in children if isinstance(c, dict) and c.get("type") in _SELECT_TYPES]
        if selects and len(children) > 1:
            errors.append(f"{where}: a select menu must be alone in its action row")
    return errors


def _unique_custom_ids(components: Any, prefix: str) -> list[str]:
    if not isinstance(components, list):
        return []
    seen: dict[str, str] = {}
    errors = []
    for where, comp in _walk_components(components, prefix + ".components"):
        cid = comp.get("custom_id")
        if not isinstance(cid, str):
            continue
        if cid in seen:
            errors.append(f"{where}: custom_id {_short(cid)} is already used at {seen[cid]}")
        else:
            seen[cid] = where
    return errors


# --------------------------------------------------------------------------------------------------
# One validator per process
# --------------------------------------------------------------------------------------------------

_load_lock = threading.Lock()


@functools.cache
def _load(path: str) -> OpenAPIValidator:
    with open(path, encoding="utf-8") as fh:
        spec = json.load(fh)
    return OpenAPIValidator(spec)


def get_validator(path: str | Path | None = None) -> OpenAPIValidator:
    """The process-wide validator for Discord's OpenAPI description (loaded on first use)."""
    target = Path(path) if path is not None else spec_path()
    if not target.is_file():
        raise FileNotFoundError(f"Discord's OpenAPI description is missing: expected it at {target}")
    with _load_lock:
        return _load(str(target.resolve()))
