"""Messages, files, components, modals and autocomplete choices."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import EPHEMERAL, LOADING, SELECT_TYPES

if TYPE_CHECKING:
    from .interactions import InteractionResult


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


