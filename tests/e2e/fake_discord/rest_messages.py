"""REST: messages, interaction callbacks, followups, webhooks and DMs."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from typing import Any

from ..openapi_validator import CALLBACK_ROUTE
from .base import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    CB_AUTOCOMPLETE,
    CB_DEFER,
    CB_DEFER_UPDATE,
    CB_MESSAGE,
    CB_MODAL,
    CB_UPDATE,
    COMPONENTS_V2,
    DEFERRED_FOLLOWUP_DEPRECATED,
    EDITABLE_FLAGS,
    EPHEMERAL,
    LOADING,
    OPT_INTEGER,
    OPT_NUMBER,
    OPT_STRING,
    SUPPRESS_EMBEDS,
    _dumps,
    _now_iso,
    _truthy,
)
from .interactions import InteractionResult
from .messages import Choice, FakeFile, FakeMessage, FakeModal, _walk_components
from .records import RecordedRequest, Violation, _HTTPError


class MessageRoutesMixin:
    """REST: messages, interaction callbacks, followups, webhooks and DMs. Mixed into :class:`FakeDiscord`."""

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

