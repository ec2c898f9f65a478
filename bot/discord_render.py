"""Reply → Discord: embeds, buttons, modals and files, within Discord's limits.

This is the only module that turns domain replies into discord.py objects. Every message it sends
carries ``AllowedMentions.none()``: no member text can ever ping ``@everyone``, a role or a person.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from bot.ui import (
    BUTTON_LABEL_MAX,
    BUTTONS_PER_ROW,
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    MODAL_LABEL_MAX,
    MODAL_TITLE_MAX,
    MODAL_VALUE_MAX,
    ROWS_MAX,
    Actor,
    Button,
    Card,
    Colour,
    Modal,
    Reply,
    Style,
    clip,
)

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
ORIGINAL_SENT = "supportbot.original_sent"  # in ``Interaction.extras``: the deferred answer is in place

COLOURS = {
    Colour.INFO: discord.Colour(0x4E79A7),
    Colour.CARE: discord.Colour(0x59A89C),
    Colour.URGENT: discord.Colour(0xE8A33D),
    Colour.CRISIS: discord.Colour(0xC8553D),
    Colour.SUCCESS: discord.Colour(0x6A9F58),
    Colour.NEUTRAL: discord.Colour(0x8C8C8C),
}
STYLES = {
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.SECONDARY: discord.ButtonStyle.secondary,
    Style.SUCCESS: discord.ButtonStyle.success,
    Style.DANGER: discord.ButtonStyle.danger,
    Style.LINK: discord.ButtonStyle.link,
}


def actor_from(interaction: discord.Interaction) -> Actor:
    """The plain :class:`~bot.ui.Actor` behind a Discord interaction."""
    user = interaction.user
    roles = frozenset(r.id for r in getattr(user, "roles", ()) if not r.is_default())
    perms = interaction.permissions
    return Actor(
        user_id=user.id,
        display_name=user.display_name,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        role_ids=roles,
        can_manage_guild=bool(perms.manage_guild or perms.administrator) if interaction.guild_id else False,
        locale=str(interaction.locale) if interaction.locale else None,
    )


def build_embed(card: Card) -> discord.Embed:
    """A card as a Discord embed, within every embed limit."""
    embed = discord.Embed(
        title=clip(card.title, EMBED_TITLE_MAX) if card.title else None,
        description=clip(card.description, EMBED_DESCRIPTION_MAX) if card.description else None,
        colour=COLOURS.get(card.colour),
        url=card.url,
    )
    for field in card.fields[:EMBED_FIELDS_MAX]:
        embed.add_field(
            name=clip(field.name, EMBED_FIELD_NAME_MAX) or "\u200b",
            value=clip(field.value, EMBED_FIELD_VALUE_MAX) or "\u200b",
            inline=field.inline,
        )
    if card.footer:
        embed.set_footer(text=clip(card.footer, EMBED_FOOTER_MAX))
    if card.image_filename:
        embed.set_image(url=f"attachment://{card.image_filename}")
    return embed


def build_embeds(cards: list[Card]) -> list[discord.Embed]:
    """At most 10 embeds, and never more than 6,000 characters in all."""
    embeds: list[discord.Embed] = []
    total = 0
    for card in cards[:10]:
        embed = build_embed(card)
        if total + len(embed) > EMBED_TOTAL_MAX:
            log.warning("dropped an embed that would exceed Discord's 6,000-character total")
            break
        total += len(embed)
        embeds.append(embed)
    return embeds


class ButtonRows(discord.ui.View):
    """Buttons sent as plain component payloads.

    Clicks are routed by custom_id (see ``bot.router``), so no per-button callback objects are
    needed; building discord.py ``Button`` items cost more CPU than everything else in an FAQ
    answer. The view has no items, so discord.py never stores it, and every payload is checked
    against Discord's API description in the end-to-end tests.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def has_components_v2(self) -> bool:
        return False


def _button_payload(button: Button) -> dict[str, Any]:
    data: dict[str, Any] = {"type": 2, "label": clip(button.label, BUTTON_LABEL_MAX), "disabled": button.disabled}
    if button.url:
        data.update(style=discord.ButtonStyle.link.value, url=button.url)
    else:
        data.update(style=STYLES[button.style].value, custom_id=button.custom_id)
    if button.emoji:
        data["emoji"] = {"name": button.emoji}
    return data


def build_view(buttons: list[Button]) -> discord.ui.View | None:
    """Rows of at most 5 buttons, at most 5 rows; ``Button.row`` keeps groups together."""
    if not buttons:
        return None
    rows: dict[int, list[dict[str, Any]]] = {}
    next_row = 0
    for button in buttons:
        row = button.row if button.row is not None else next_row
        while len(rows.get(row, ())) >= BUTTONS_PER_ROW:
            row += 1
        if row >= ROWS_MAX:
            log.warning("dropped a button: Discord allows %d rows", ROWS_MAX)
            continue
        rows.setdefault(row, []).append(_button_payload(button))
        next_row = row
    return ButtonRows([{"type": 1, "components": rows[r]} for r in sorted(rows)])


def build_modal(modal: Modal) -> discord.ui.Modal:
    """A form as a Discord modal; submissions come back through the router."""
    form = discord.ui.Modal(title=clip(modal.title, MODAL_TITLE_MAX), custom_id=modal.custom_id, timeout=None)
    for field in modal.fields[:5]:
        form.add_item(
            discord.ui.TextInput(
                label=clip(field.label, MODAL_LABEL_MAX),
                custom_id=field.custom_id,
                style=discord.TextStyle.paragraph if field.paragraph else discord.TextStyle.short,
                required=field.required,
                max_length=min(field.max_length or MODAL_VALUE_MAX, MODAL_VALUE_MAX),
                min_length=field.min_length,
                placeholder=clip(field.placeholder, 100) if field.placeholder else None,
                default=clip(field.value, MODAL_VALUE_MAX) if field.value else None,
            )
        )
    form.stop()
    return form


def build_files(reply: Reply) -> list[discord.File]:
    """A reply's attachments as Discord files."""
    return [discord.File(io.BytesIO(a.data), filename=a.filename, description=a.description) for a in reply.files]


def message_kwargs(reply: Reply) -> dict[str, object]:
    """A reply as ``send``/``edit`` keyword arguments, never allowing a ping."""
    kwargs: dict[str, object] = {
        "content": clip(reply.content, CONTENT_MAX) if reply.content else None,
        "embeds": build_embeds(reply.cards),
        "allowed_mentions": NO_PINGS if reply.ping_role is None else discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(reply.ping_role)], replied_user=False),
    }
    view = build_view(reply.buttons)
    if view is not None:
        kwargs["view"] = view
    files = build_files(reply)
    if files:
        kwargs["files"] = files
    return kwargs


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction with a reply, whatever state the interaction is in."""
    response = interaction.response
    if reply.modal is not None:
        if not response.is_done():
            await response.send_modal(build_modal(reply.modal))
            return
        reply = Reply.text("Please run the command again to open the form.")
    kwargs = message_kwargs(reply)
    if reply.update and interaction.type is discord.InteractionType.component and not response.is_done():
        files = kwargs.pop("files", None)
        if files:
            kwargs["attachments"] = files
        kwargs.setdefault("view", None)
        await response.edit_message(**kwargs)  # type: ignore[arg-type]
        return
    if not response.is_done():
        await response.send_message(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]
        return
    if response.type is discord.InteractionResponseType.deferred_channel_message and not interaction.extras.get(
        ORIGINAL_SENT
    ):
        # After a "thinking" defer the answer replaces the loading message. Discord would also
        # turn a first followup into that edit, but it ignores the followup's flags there and
        # documents the path as deprecated; the edit is the supported way. Visibility was fixed
        # by the defer itself.
        files = kwargs.pop("files", None)
        if files:
            kwargs["attachments"] = files
        await interaction.edit_original_response(**kwargs)  # type: ignore[arg-type]
        interaction.extras[ORIGINAL_SENT] = True
        return
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]


def choice_list(choices: list[object]) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices in Discord's form, clipped to its limits."""
    from bot.ui import CHOICE_NAME_MAX, CHOICES_MAX, Choice

    out: list[discord.app_commands.Choice[str]] = []
    for choice in choices[:CHOICES_MAX]:
        if isinstance(choice, Choice):
            out.append(discord.app_commands.Choice(name=clip(choice.name, CHOICE_NAME_MAX), value=choice.value[:100]))
    return out
