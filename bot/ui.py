"""Transport-neutral replies.

Every feature answers with a :class:`Reply`. The Discord adapter (``bot.discord_render``) turns it
into embeds, buttons and modals; the local console (``bot.console``) turns it into text. Keeping the
reply free of discord.py types is what lets the console run the very same handlers as Discord.

Discord's limits are enforced in one place, :func:`clip`, and by the renderers, so a long entry or a
long member text can never make Discord reject a reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Discord's documented limits (see the API description's embed and component schemas).
CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
MODAL_TITLE_MAX = 45
MODAL_LABEL_MAX = 45
MODAL_VALUE_MAX = 4000
CHOICE_NAME_MAX = 100
CHOICES_MAX = 25

DISCLAIMER = (
    "General information, not medical advice: talk to your doctor or pharmacist about your situation."
)


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count and a noun that agree ("1 day", "3 days", "2 more lines"): "1 day(s)" reads as a
    form, not a sentence."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


class Style(StrEnum):
    """A button's look."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"
    LINK = "link"


class Colour(StrEnum):
    """Named colours, so domain code never picks raw numbers."""

    INFO = "info"
    CARE = "care"
    URGENT = "urgent"
    CRISIS = "crisis"
    SUCCESS = "success"
    NEUTRAL = "neutral"


@dataclass(slots=True)
class Button:
    """A button. ``custom_id`` is routed by :mod:`bot.router`; link buttons carry ``url`` instead."""

    label: str
    custom_id: str | None = None
    style: Style = Style.SECONDARY
    url: str | None = None
    emoji: str | None = None
    disabled: bool = False
    row: int | None = None  # keep related buttons together; None packs left to right


@dataclass(slots=True)
class Field:
    """One name/value line of a card."""

    name: str
    value: str
    inline: bool = False


@dataclass(slots=True)
class Card:
    """An embed-like block: title, text, fields and a footer."""

    title: str | None = None
    description: str | None = None
    fields: list[Field] = field(default_factory=list)
    footer: str | None = None
    url: str | None = None
    colour: Colour = Colour.INFO
    image_filename: str | None = None  # shows an attached file inside the card

    def char_count(self) -> int:
        """Characters Discord counts towards the 6,000 per-message embed total."""
        total = len(self.title or "") + len(self.description or "") + len(self.footer or "")
        return total + sum(len(f.name) + len(f.value) for f in self.fields)


@dataclass(slots=True)
class Attachment:
    """A file sent with a reply."""

    filename: str
    data: bytes
    description: str | None = None


@dataclass(slots=True)
class ModalField:
    """One text input of a form."""

    custom_id: str
    label: str
    paragraph: bool = False
    required: bool = True
    max_length: int | None = None
    min_length: int | None = None
    placeholder: str | None = None
    value: str | None = None  # pre-filled text


@dataclass(slots=True)
class Modal:
    """A form: its title, fields and the custom id its submission routes by."""

    custom_id: str
    title: str
    fields: list[ModalField]


@dataclass(slots=True)
class Reply:
    """What a member sees in answer to a command, button or modal.

    ``ephemeral`` replies are visible only to the member. ``update`` asks the adapter to edit the
    message the pressed button sits on instead of sending a new one. A reply with ``modal`` opens
    a form and carries nothing else.
    """

    content: str | None = None
    cards: list[Card] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    ephemeral: bool = True
    update: bool = False
    modal: Modal | None = None
    ping_role: int | None = None  # the one role a bot-initiated post may ping (an on-call role)

    @classmethod
    def text(cls, content: str, *, ephemeral: bool = True) -> Reply:
        return cls(content=content, ephemeral=ephemeral)

    def all_text(self) -> str:
        """Every visible string, joined: handy for tests and for the console."""
        parts: list[str] = []
        if self.content:
            parts.append(self.content)
        for card in self.cards:
            parts.extend(p for p in (card.title, card.description) if p)
            for f in card.fields:
                parts.extend((f.name, f.value))
            if card.footer:
                parts.append(card.footer)
        parts.extend(b.label for b in self.buttons)
        return "\n".join(parts)


@dataclass(slots=True, frozen=True)
class Actor:
    """Who is acting, in plain data: the part of a Discord interaction the domain may see."""

    user_id: int
    display_name: str = "member"
    guild_id: int | None = None
    channel_id: int | None = None
    role_ids: frozenset[int] = frozenset()
    can_manage_guild: bool = False
    locale: str | None = None


@dataclass(slots=True)
class Choice:
    """An autocomplete choice: ``name`` is shown, ``value`` is what the command receives."""

    name: str
    value: str
