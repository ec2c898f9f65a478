"""The content the bot serves right now, and the rule for changing it safely.

* At start-up every valid entry is served and every problem is reported.
* A reload that finds **any** error keeps serving the last good set unchanged, so a typo pushed
  to ``content/`` never takes answers away from members; the moderator sees the problems.
* Revisions published from Discord (moderation) override the file entry with the same id and
  take effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.faq.hybrid import CACHE_FILE
from bot.faq.lint import lint_pack
from bot.faq.loader import load_entries
from bot.faq.models import FaqEntry
from bot.faq.search import SearchIndex
from bot.problems import Problem, Severity
from bot.semantic import Encoder, EncoderError, load_encoder

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReloadReport:
    applied: bool
    entries: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


class FaqLibrary:
    def __init__(self, content_dir: Path, *, semantic: bool = True) -> None:
        self.content_dir = content_dir
        self.semantic = semantic
        self._encoder_warned = False
        self._files: dict[str, FaqEntry] = {}
        self._overrides: dict[str, FaqEntry] = {}
        self._vocabulary: dict[str, str] = {}
        self.index = SearchIndex([])
        self.loaded_once = False

    def load(self) -> ReloadReport:
        """Read ``content/``. The first load serves whatever is valid; later loads apply only
        when there are no errors."""
        result = load_entries(self.content_dir)
        first = not self.loaded_once
        if result.errors and not first:
            log.warning("content reload kept the last good set: %d problem(s)", len(result.errors))
            return ReloadReport(False, len(self.index), result.problems)
        self._files = result.entries
        self._vocabulary = result.vocabulary
        self.loaded_once = True
        self._rebuild()
        for problem in result.errors:
            log.warning("content problem: %s", problem)
        return ReloadReport(True, len(self.index), result.problems)

    def set_overrides(self, overrides: Mapping[str, FaqEntry]) -> None:
        """Entries published from Discord; they replace file entries with the same id."""
        self._overrides = dict(overrides)
        self._rebuild()

    def _rebuild(self) -> None:
        merged = {**self._files, **self._overrides}
        self.index = SearchIndex(list(merged.values()), vocabulary=self._vocabulary, encoder=self._encoder(),
                                 cache=self.content_dir / CACHE_FILE, persist=not self._overrides)

    def _encoder(self) -> Encoder | None:
        """The sentence model for the hybrid search, or None (lexical only) when it cannot load or
        is switched off; the reason is logged once."""
        if not self.semantic:
            return None
        try:
            return load_encoder()
        except EncoderError as exc:
            if not self._encoder_warned:
                log.warning("FAQ search runs lexical only: %s", exc)
                self._encoder_warned = True
            return None

    def get(self, entry_id: str) -> FaqEntry | None:
        """A published entry by id (what members may see)."""
        return self.index.get(entry_id)

    def exact(self, text: str) -> FaqEntry | None:
        """The published entry a member picked: its id (what autocomplete sends) or its exact
        question. A pick is the moderators' own vetted wording, not the member's free text."""
        key = text.strip()
        entry = self.index.get(key)
        if entry is not None:
            return entry
        return self.index.by_question(key)

    def related_for(self, entry: FaqEntry, limit: int = 3) -> list[str]:
        """Entries to offer next: the moderators' own ``related`` list, then the nearest by search."""
        related = [r for r in entry.meta.related if self.get(r) is not None and r != entry.id]
        for hit in self.index.search(entry.question).ranked:
            if hit.entry_id not in related and hit.entry_id != entry.id:
                related.append(hit.entry_id)
        return related[:limit]

    def get_any(self, entry_id: str) -> FaqEntry | None:
        """Any loaded entry by id, published or not (for moderators' edits and diffs)."""
        return self._overrides.get(entry_id) or self._files.get(entry_id)

    def file_entries(self) -> dict[str, FaqEntry]:
        return dict(self._files)

    def published(self) -> list[FaqEntry]:
        return list(self.index.entries)

    def lint(self, today: date) -> list[Problem]:
        entries = list({**self._files, **self._overrides}.values())
        labels = {e.id: str(self.content_dir / e.pack / f"{e.id}.md") for e in entries}
        return lint_pack(entries, labels=labels, today=today)
