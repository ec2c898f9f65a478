"""Autocomplete for moderators: entries, waiting drafts and served entries of their own server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.moderation.common import KIND_WORDS
from bot.moderation.store import ModerationStore
from bot.ui import CHOICE_NAME_MAX, CHOICES_MAX, Actor, Choice, clip

if TYPE_CHECKING:
    from bot.core import Core
    from bot.faq.store import FaqStore


class CompletionMixin:
    """/faq-admin suggestions; empty for anyone who may not moderate."""

    core: Core
    faq_store: FaqStore
    store: ModerationStore

    # -- autocomplete -----------------------------------------------------------------------

    async def complete_entries(self, actor: Actor, text: str) -> list[Choice]:
        """Every entry a moderator may edit or look up: served, retired, draft-only."""
        if await self.refusal(actor) is not None:
            return []
        pool: dict[str, str] = {e.id: e.question for e in self.library.file_entries().values()}
        pool.update({e.id: e.question for e in self.view(actor.guild_id).overrides().values()})
        for revision in await self.store.pending(actor.guild_id, limit=100):
            pool.setdefault(revision.entry_id, str(revision.front_matter.get("question", "")))
        for entry_id in await self.store.entry_ids(actor.guild_id):
            pool.setdefault(entry_id, "")
        return self._rank_choices(pool, text)

    @staticmethod
    def _rank_choices(pool: Mapping[str, str], text: str) -> list[Choice]:
        labels = {entry_id: (f"{question} ({entry_id})" if question else entry_id) for entry_id, question in pool.items()}
        text = text.strip()
        if not text:
            ids = sorted(labels)[:CHOICES_MAX]
        else:
            exact = [i for i in sorted(labels) if i.startswith(text.casefold())]
            found = process.extract(text[:100], labels, scorer=fuzz.WRatio, processor=str.casefold,
                                    limit=CHOICES_MAX, score_cutoff=50)
            ids = list(dict.fromkeys([*exact, *(key for _, _, key in found)]))[:CHOICES_MAX]
        return [Choice(name=clip(labels[i], CHOICE_NAME_MAX), value=i) for i in ids]

    async def complete_pending(self, actor: Actor, text: str) -> list[Choice]:
        """Drafts waiting for review (approve / reject)."""
        if await self.refusal(actor) is not None:
            return []
        needle = text.strip().casefold()
        choices = []
        for r in await self.store.pending(actor.guild_id, limit=100):
            name = f"#{r.id} {r.entry_id}: {KIND_WORDS[r.kind]} by {r.author_name}"
            if needle in name.casefold() or needle in str(r.front_matter.get("question", "")).casefold():
                choices.append(Choice(name=clip(name, CHOICE_NAME_MAX), value=r.entry_id))
        return choices[:CHOICES_MAX]

    async def complete_live(self, actor: Actor, text: str) -> list[Choice]:
        """Entries members are served now (retire)."""
        if await self.refusal(actor) is not None:
            return []
        return [Choice(name=clip(f"{e.question} ({e.id})", CHOICE_NAME_MAX), value=e.id)
                for e in self.view(actor.guild_id).index.autocomplete(text)]

