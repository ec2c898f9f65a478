"""The content the bot serves right now, per server, and the rule for changing it safely.

* At start-up every valid entry is served and every problem is reported.
* A reload that finds **any** error keeps serving the last good set unchanged, so a typo pushed
  to ``content/`` never takes answers away from members; the moderator sees the problems.
* The files are a shared *base pack*. Revisions published from Discord belong to the server they
  were approved in: each server sees the base pack plus its own approved revisions (a retirement
  in one server takes the entry away there only), and its own review state of every entry.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.contentfiles import LoadMemo
from bot.faq.hybrid import CACHE_FILE
from bot.faq.lint import lint_pack
from bot.faq.loader import load_entries
from bot.faq.models import FaqEntry
from bot.faq.review import ReviewStatus, SignOff, review_hash, review_status
from bot.faq.search import SearchIndex
from bot.problems import Problem, Severity
from bot.semantic import Encoder, EncoderError, load_encoder

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReloadReport:
    """What a content load did: whether it applied, how many entries, which problems."""

    applied: bool
    entries: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


class LibraryView:
    """What one server is served: the base pack, its own overrides, its own sign-offs."""

    def __init__(self, files: Mapping[str, FaqEntry], overrides: Mapping[str, FaqEntry],
                 signoffs: Mapping[str, SignOff], *, home: bool, index: SearchIndex | None = None) -> None:
        self._files = files
        self._overrides = dict(overrides)
        self.signoffs = dict(signoffs)
        self.home = home
        self._hashes: dict[str, tuple[FaqEntry, str]] = {}
        self.index = index if index is not None else SearchIndex(list({**files, **self._overrides}.values()))
        self._withdrawn = frozenset(i for i, e in self._overrides.items()
                                    if not e.published and i in files and files[i].published)

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

    def published(self) -> list[FaqEntry]:
        return list(self.index.entries)

    def overrides(self) -> dict[str, FaqEntry]:
        return dict(self._overrides)

    def withdrawn(self) -> frozenset[str]:
        """Entries of the base pack this server's moderators retired (they are not served here)."""
        return self._withdrawn

    def served_from_revisions(self) -> int:
        """How many of the entries served here are this server's own approved revisions."""
        return sum(1 for e in self._overrides.values() if self.get(e.id) is e)

    def review_of(self, entry: FaqEntry, today: date) -> ReviewStatus:
        return review_status(entry, self.signoffs.get(entry.id), self._files.get(entry.id), home=self.home,
                             today=today, hasher=self._hash)

    def _hash(self, entry: FaqEntry) -> str:
        """The review fingerprint, computed once per loaded entry (entries are immutable)."""
        cached = self._hashes.get(entry.id)
        if cached is not None and cached[0] is entry:
            return cached[1]
        value = review_hash(entry)
        if self._files.get(entry.id) is entry or self._overrides.get(entry.id) is entry:
            self._hashes[entry.id] = (entry, value)
        return value


class FaqLibrary:
    """The base pack from files, and one :class:`LibraryView` per server that changed something.
    Methods on the library itself answer for the base pack (the command line, direct messages)."""

    def __init__(self, content_dir: Path, home_guild_id: int | None = None, *, semantic: bool = True) -> None:
        self.content_dir = content_dir
        self.home_guild_id = home_guild_id
        self.semantic = semantic
        self._encoder_warned = False
        self._vocabulary: dict[str, str] = {}
        self._files: dict[str, FaqEntry] = {}
        self._tenants: dict[int, tuple[dict[str, FaqEntry], dict[str, SignOff]]] = {}
        self._views: dict[int, LibraryView] = {}
        self.base = LibraryView({}, {}, {}, home=False)
        self.loaded_once = False

    def load(self) -> ReloadReport:
        """Read ``content/``. The first load serves whatever is valid; later loads apply only
        when there are no errors."""
        result = load_entries(self.content_dir)
        first = not self.loaded_once
        if result.errors and not first:
            log.warning("content reload kept the last good set: %d problem(s)", len(result.errors))
            return ReloadReport(False, len(self.base.index), result.problems)
        self._files = result.entries
        self._vocabulary = result.vocabulary
        self.loaded_once = True
        self._rebuild()
        for problem in result.errors:
            log.warning("content problem: %s", problem)
        return ReloadReport(True, len(self.base.index), result.problems)

    def set_tenants(self, tenants: Mapping[int, tuple[Mapping[str, FaqEntry], Mapping[str, SignOff]]]) -> None:
        """Every server's approved revisions and sign-offs (servers with neither use the base pack)."""
        self._tenants = {g: (dict(o), dict(s)) for g, (o, s) in tenants.items()}
        self._rebuild(files_changed=False)

    def _rebuild(self, *, files_changed: bool = True) -> None:
        previous = self._views
        if files_changed:
            self.base = LibraryView(self._files, {}, {}, home=False, index=self._index(self._files, persist=True))
        views: dict[int, LibraryView] = {}
        for guild_id, (overrides, signoffs) in self._tenants.items():
            # Building a search index is the costly part: a server with only sign-offs shares the
            # base index, and a server whose revisions did not change keeps its own.
            index = self.base.index if not overrides else None
            old = previous.get(guild_id)
            if index is None and not files_changed and old is not None and old.overrides() == overrides:
                index, overrides = old.index, old.overrides()  # the very entries that index holds
            if index is None:
                index = self._index({**self._files, **overrides}, persist=False)
            views[guild_id] = LibraryView(self._files, overrides, signoffs,
                                          home=guild_id == self.home_guild_id, index=index)
        if self.home_guild_id is not None and self.home_guild_id not in views:
            views[self.home_guild_id] = LibraryView(self._files, {}, {}, home=True, index=self.base.index)
        self._views = views

    def _index(self, entries: Mapping[str, FaqEntry], *, persist: bool) -> SearchIndex:
        """A search index; only the base pack's embeddings are cached on disk (``persist``).

        Entries indexed before in this process (the same pack at every start, a server's
        unchanged revisions) reuse that build with fresh result caches: building is most of a
        load's time, and the index is a pure function of what the key holds."""
        encoder = self._encoder()
        cache = self.content_dir / CACHE_FILE
        inputs = _index_inputs(entries, self._vocabulary, encoder, cache, persist)
        built = _INDEXES.get(_with_file_state(inputs, cache, persist))
        if built is None:
            built = SearchIndex(list(entries.values()), vocabulary=self._vocabulary, encoder=encoder,
                                cache=cache, persist=persist)
            # keyed by the embeddings file as the build left it (building may have written it)
            _INDEXES.put(_with_file_state(inputs, cache, persist), built)
        return built.fresh()

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

    def view(self, guild_id: int | None) -> LibraryView:
        """What a server is served (the base pack for a direct message or an untouched server)."""
        if guild_id is None:
            return self.base
        return self._views.get(guild_id, self.base)

    def servers(self) -> list[int]:
        """Servers with revisions or sign-offs of their own (and the home server)."""
        return sorted(self._views)

    # -- the base pack ----------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        return self.base.index

    def get(self, entry_id: str) -> FaqEntry | None:
        return self.base.get(entry_id)

    def exact(self, text: str) -> FaqEntry | None:
        return self.base.exact(text)

    def related_for(self, entry: FaqEntry, limit: int = 3) -> list[str]:
        return self.base.related_for(entry, limit)

    def get_any(self, entry_id: str) -> FaqEntry | None:
        return self._files.get(entry_id)

    def file_entries(self) -> dict[str, FaqEntry]:
        return dict(self._files)

    def published(self) -> list[FaqEntry]:
        return self.base.published()

    def lint(self, today: date) -> list[Problem]:
        entries = list(self._files.values())
        labels = {e.id: str(self.content_dir / e.pack / f"{e.id}.md") for e in entries}
        return lint_pack(entries, labels=labels, today=today)


_INDEXES = LoadMemo(size=8)


def _index_inputs(entries: Mapping[str, FaqEntry], vocabulary: Mapping[str, str], encoder: Encoder | None,
                  cache: Path, persist: bool) -> str:
    """A digest of everything a :class:`SearchIndex` is built from: the entries whole, the
    vocabulary, which encoder object (the memo holds it, so its id cannot be reused), the cache."""
    digest = hashlib.sha256(repr((sorted(vocabulary.items()), type(encoder).__qualname__, id(encoder),
                                  str(cache), persist)).encode())
    for entry in entries.values():
        digest.update(entry.model_dump_json().encode())
    return digest.hexdigest()


def _with_file_state(inputs: str, cache: Path, persist: bool) -> str:
    """``inputs`` with, for the base pack (``persist``), the state of its embeddings file: a
    deleted or replaced file is built, and so written, again."""
    if not persist:
        return inputs
    try:
        info = cache.stat()
        return f"{inputs}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
    except OSError:
        return f"{inputs}:no embeddings file"
