"""Moderation's buttons and forms: each ``mod:`` custom id, already parsed by its codec
(:mod:`bot.moderation.buttons`), to the service method that handles it."""

from __future__ import annotations

from typing import Any

from bot.moderation import buttons as ids
from bot.moderation.common import STALE
from bot.moderation.forms import category_from
from bot.ui import Actor, Modal, ModalField, Reply


class ComponentsMixin:
    """Routes ``mod:`` presses for :class:`~bot.moderation.service.ModerationService`."""

    store: Any

    async def handle_component(self, actor: Actor, pressed: object, values: dict[str, str]) -> Reply:
        """A ``mod:`` button or form of :data:`bot.moderation.buttons.MODERATION_IDS`, parsed by
        its codec. Every one re-checks the moderator right: a custom id is not a permission."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        match pressed:
            case ids.OpenNew(code):
                return self._new_form(category_from(code) or "basics")
            case ids.OpenEdit(code, entry_id):
                return await self._edit_form(actor.guild_id, entry_id, category_from(code))
            case ids.Again(mode, code, entry_id):
                return await self._open_again(actor, mode, code, entry_id)
            case ids.SubmitNew(code):
                return await self.submit(actor, "new", code, None, values)
            case ids.SubmitEdit(code, entry_id):
                return await self.submit(actor, "edit", code, entry_id, values)
            case ids.GapAction("gap", row):
                return await self._gap_form(actor, row)
            case ids.GapAction("dismiss", row):
                return await self._dismiss_gap(actor, row)
            case ids.Approve(rev, signed):
                revision = await self.store.get(actor.guild_id, rev)
                if revision is None:
                    return Reply.text(STALE)
                return await self._approve(actor, revision, reviewed=signed)
            case ids.DraftAction("reject", rev):
                if await self.store.get(actor.guild_id, rev) is None:
                    return Reply.text(STALE)
                return Reply(modal=Modal(custom_id=ids.DRAFT("why", rev), title=f"Reject draft #{rev}", fields=[
                    ModalField("reason", "Why? (kept in the history)", paragraph=True, max_length=500,
                               min_length=3, placeholder="What should change before it can go live?"),
                ]))
            case ids.DraftAction("why", rev):
                revision = await self.store.get(actor.guild_id, rev)
                if revision is None:
                    return Reply.text(STALE)
                return await self._reject(actor, revision, values.get("reason", ""))
            case ids.DraftAction("show", rev):
                return await self._show(actor.guild_id, rev)
            case ids.DraftAction("preview", rev):
                return await self._preview(actor.guild_id, rev)
            case ids.History(page, entry_id):
                return await self._history(actor.guild_id, entry_id, page)
            case ids.SignOff(entry_id, fingerprint):
                return await self._sign_off_now(actor, entry_id, fingerprint)
            case ids.Walk(after):
                return await self._walk(actor, after)
        return Reply.text(STALE)
