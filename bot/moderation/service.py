"""Moderators keep the FAQ true from Discord: propose, review, approve, retire, audit.

The rules this module exists to enforce:

* Health information never goes live on one person's say-so. A proposal is a *draft revision*;
  it is served only after a second moderator approves it (unless the server, or the whole bot,
  explicitly allows self-approval for a very small group).
* Taking an answer *away* is immediate: ``retire`` needs one moderator and a reason, because
  wrong content should stop reaching members at once. Bringing it back is a proposal again.
* Drafts are validated with exactly the schema of the content files, and stored whole.
* Nothing is ever deleted from the history; every change is also posted to the server's audit
  channel when one is configured.
* Files stay the source of truth: an approved revision overrides the file entry with the same id
  only while that file is still the one the revision was written against (or says the same). A
  newer, reviewed change to the file on disk wins, and ``reload`` says so.

Every handler returns a :class:`~bot.ui.Reply`; nothing here imports discord.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rapidfuzz import fuzz, process

from bot.faq.library import FaqLibrary
from bot.faq.lint import lint_pack
from bot.faq.loader import dump_entry, parse_entry
from bot.faq.models import CATEGORY_ORDER, SLUG_RE, FaqEntry, FrontMatter
from bot.faq.render import answer_card
from bot.faq.text import INTENT_WORDS, words
from bot.moderation.diff import changed_fields, code_block, content_hash, entry_text, unified
from bot.moderation.permissions import CHECK_NAME, REFUSAL, is_moderator, may_self_approve
from bot.moderation.store import ModerationStore, NewRevision, Revision, one_year_after
from bot.problems import Problem, Severity
from bot.ui import (
    BUTTON_LABEL_MAX,
    CHOICE_NAME_MAX,
    CHOICES_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    MODAL_TITLE_MAX,
    Actor,
    Attachment,
    Button,
    Card,
    Choice,
    Colour,
    Field,
    Modal,
    ModalField,
    Reply,
    Style,
    clip,
)

if TYPE_CHECKING:
    from bot.app import SupportApp

log = logging.getLogger(__name__)

PREFIX = "mod"
REVIEWED_BY = "Moderator team"
DUE_WINDOW = timedelta(days=30)
DIGEST_EVERY = timedelta(days=7)
DIGEST_SLACK = timedelta(minutes=30)  # an hourly check may run a little early; still once a week
REVIEW_PAGE = 5  # drafts per /faq-admin review: one row of buttons each
HISTORY_PAGE = 10
SOURCE_FORMAT = "Title | Publisher | Year | https://link"
NEW_ID_WORDS = 6
NEW_ID_MAX = 60

# Form fields: custom id → (label ≤45, paragraph, required, max length, placeholder).
F_QUESTION, F_SUMMARY, F_DETAIL, F_ALIASES, F_SOURCES = "question", "summary", "detail", "aliases", "sources"
FORM: dict[str, tuple[str, bool, bool, int, str]] = {
    F_QUESTION: ("Question, as a member would ask it", False, True, 200, "e.g. Does heat help back pain?"),
    F_SUMMARY: ("Short answer (at most 300 characters)", True, True, 300,
                "The answer in two or three plain sentences."),
    F_DETAIL: ("Detail, in plain words", True, True, 4000,
               "Short paragraphs or bullets. End with when to see a professional."),
    F_ALIASES: ("Other ways to ask (one per line)", True, False, 1000,
                "3 to 8 ways members really ask, one per line"),
    F_SOURCES: ("Sources (one per line)", True, True, 2000, f"One per line: {SOURCE_FORMAT}"),
}
FORM_NAMES = {F_QUESTION: "Question", F_SUMMARY: "Short answer", F_DETAIL: "Detail",
              F_ALIASES: "Other ways to ask", F_SOURCES: "Sources"}

KIND_WORDS = {"create": "new entry", "edit": "edit", "retire": "retirement"}
STATUS_WORDS = {"pending": "waiting for review", "approved": "approved", "rejected": "rejected",
                "superseded": "superseded"}

STALE = "That button no longer works. Please run the command again."
SELF_APPROVAL = (
    "You wrote draft #{rev}, so another moderator needs to approve it: health information never goes "
    "live on one person's say-so. Ask a fellow moderator to look at `/faq-admin review`. Thank you for "
    "writing it!"
)
STALE_BASE = (
    "The live entry `{entry}` changed after draft #{rev} was written, so approving it could undo that "
    "change. I've marked the draft as superseded (it stays in the history). Please propose the change "
    "again with `/faq-admin edit {entry}`."
)
PROTECTED_SELF = (
    "`{entry}` is a protected safety entry, so draft #{rev} needs another moderator's approval, even on "
    "servers that allow self-approval. Members keep getting the current answer until then."
)
PROTECTED_RETIRE = (
    "`{entry}` is a protected safety entry, so retiring it needs a second moderator: Draft #{rev} is waiting "
    "in `/faq-admin review`. Members keep getting it until another moderator approves."
)


def install(app: SupportApp) -> ModerationService:
    """Create the moderation service and wire it into ``app``: handlers, completers, the
    moderator check and the ``mod:`` router prefix. Safe to call twice (returns the same service).
    Call ``await service.start()`` after ``app.library.load()`` to apply published revisions."""
    existing = app.__dict__.get("moderation")
    if isinstance(existing, ModerationService):
        return existing
    service = ModerationService(app)
    for name, handler in service.handlers().items():
        app.register(name, handler)
    app.completers.update(service.completers())
    app.checks[CHECK_NAME] = service.refusal
    app.router.add(PREFIX, service.handle_component, content_forms=True)
    app.moderation = service  # type: ignore[attr-defined]
    return service


def when(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def category_code(category: str | None) -> str:
    """Categories travel in custom ids as their index (ids are limited to 100 characters)."""
    return "k" if category is None else str(CATEGORY_ORDER.index(category))


def category_from(code: str) -> str | None:
    if code.isdigit() and int(code) < len(CATEGORY_ORDER):
        return CATEGORY_ORDER[int(code)]
    return None


def slugify(question: str) -> str:
    """An id from a question's meaningful words: "Does heat help back pain?" → "heat-back-pain"."""
    meaningful = (w for w in words(question) if w not in INTENT_WORDS)  # "help" is intent, not topic
    kept = [w for w in (re.sub(r"[^a-z0-9]", "", w) for w in meaningful) if w][:NEW_ID_WORDS]
    slug = "-".join(kept)[:NEW_ID_MAX].strip("-")
    return slug if SLUG_RE.match(slug) else "entry"


def join_lines(lines: list[str], limit: int) -> str:
    """Whole lines while they fit in ``limit`` characters, then how many were left out."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        more = f"…and {len(lines) - index} more."
        if used + len(line) + 1 + len(more) > limit:
            kept.append(more)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def fit_cards(cards: list[Card]) -> list[Card]:
    """Keep cards, in order, while the message stays within Discord's 6,000-character total."""
    kept: list[Card] = []
    total = 0
    for card in cards:
        if total + card.char_count() > EMBED_TOTAL_MAX:
            break
        kept.append(card)
        total += card.char_count()
    return kept


# -- the proposal form -----------------------------------------------------------------------

@dataclass(slots=True)
class FormResult:
    entry: FaqEntry | None
    problems: list[str]


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based line numbers; list bullets are dropped."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cleaned = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if cleaned:
            out.append((number, cleaned))
    return out


def parse_sources(text: str) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """``Title | Publisher | Year | https://link`` per line → source dicts, line numbers, problems.
    The title may itself contain ``|``: the last three parts are always publisher, year and link."""
    sources: list[dict[str, Any]] = []
    numbers: list[int] = []
    problems: list[str] = []
    for number, line in _lines(text):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 4:
            problems.append(f"Sources, line {number}: write it as `{SOURCE_FORMAT}` (I found {len(parts)} "
                            f"part{'s' if len(parts) != 1 else ''}).")
            continue
        *title, publisher, year, url = parts
        if not re.fullmatch(r"\d{4}", year):
            problems.append(f"Sources, line {number}: the year must be a number such as 2024 (I found {year!r}).")
            continue
        sources.append({"title": " | ".join(title), "publisher": publisher, "year": int(year), "url": url})
        numbers.append(number)
    return sources, numbers, problems


def form_values(entry: FaqEntry) -> dict[str, str]:
    """An entry as the form shows it (to pre-fill an edit)."""
    return {
        F_QUESTION: entry.meta.question,
        F_SUMMARY: entry.meta.summary,
        F_DETAIL: entry.body,
        F_ALIASES: "\n".join(entry.meta.aliases),
        F_SOURCES: "\n".join(f"{s.title} | {s.publisher} | {s.year} | {s.url}" for s in entry.meta.sources),
    }


def too_big_for_form(values: Mapping[str, str]) -> list[str]:
    """Fields a Discord form cannot hold whole: editing those in Discord would cut text silently."""
    return [FORM_NAMES[key] for key, (_, _, _, limit, _) in FORM.items() if len(values.get(key, "")) > limit]


def no_pending(ref: str) -> Reply:
    return Reply.text(f"There is no draft waiting for review for `{clip(ref, 80)}`. "
                      "`/faq-admin review` lists them.")


def proposal_modal(custom_id: str, title: str, values: Mapping[str, str] | None = None) -> Modal:
    values = values or {}
    fields = [
        ModalField(custom_id=key, label=label, paragraph=paragraph, required=required, max_length=limit,
                   placeholder=placeholder, value=values.get(key) or None)
        for key, (label, paragraph, required, limit, placeholder) in FORM.items()
    ]
    return Modal(custom_id=custom_id, title=clip(title, MODAL_TITLE_MAX), fields=fields)


def friendly_field(loc: tuple[Any, ...] | list[Any], alias_lines: list[int] | None = None,
                   source_lines: list[int] | None = None) -> str:
    """A schema location ("sources.1.url") in the form's words ("Sources, line 2, link")."""
    if not loc:
        return "Entry"
    head = str(loc[0])
    rest = [int(part) if isinstance(part, str) and part.isdigit() else part for part in loc[1:]]
    index = rest[0] if rest and isinstance(rest[0], int) else None
    if head == "aliases":
        if index is None:
            return "Other ways to ask"
        line = alias_lines[index] if alias_lines and index < len(alias_lines) else index + 1
        return f"Other ways to ask, line {line}"
    if head == "sources":
        if index is None:
            return "Sources"
        line = source_lines[index] if source_lines and index < len(source_lines) else index + 1
        part = {"title": "title", "publisher": "publisher", "year": "year", "url": "link"}.get(str(rest[1])) \
            if len(rest) > 1 else None
        return f"Sources, line {line}" + (f", {part}" if part else "")
    names = {"question": "Question", "summary": "Short answer", "body": "Detail",
             "id": "Entry id (made from the question)", "category": "Category",
             "tags": "Tags (kept from the current entry)", "related": "Related entries (kept from the current entry)",
             "checked_claims": "Checked claims (kept from the current entry)",
             "reviewed_on": "Review dates", "review_due": "Review dates", "reviewed_by": "Reviewed by",
             "status": "Status"}
    return names.get(head, head)


def friendly_message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return "is required."
    if kind == "string_too_long":
        size = f" (yours has {len(value)})" if isinstance(value, str) else ""
        return f"is too long: at most {ctx.get('max_length')} characters{size}."
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "is empty."
        return f"is too short: at least {ctx.get('min_length')} characters."
    if kind == "string_pattern_mismatch":
        loc = err.get("loc") or ()
        if loc and loc[-1] == "url":
            return "must be a web link starting with https:// (for example https://www.nhs.uk/…)."
        return "may use only a–z, 0–9 and single hyphens."
    if kind == "too_short" and (err.get("loc") or ("",))[0] == "sources":
        return f"add at least one source, one per line: `{SOURCE_FORMAT}`."
    if kind in {"greater_than_equal", "less_than_equal"}:
        return "must be a year between 1900 and 2100."
    if kind == "literal_error":
        return f"must be one of: {', '.join(CATEGORY_ORDER)}."
    message = str(err.get("msg", "is not valid"))
    return message.removeprefix("Value error, ").rstrip(".") + "."


def build_draft(values: Mapping[str, str], *, entry_id: str, category: str, pack: str,
                keep: FaqEntry | None, today: date) -> FormResult:
    """Turn the form into an entry, validated exactly like a content file, or into problems a
    moderator can fix (each names the form field and, for lists, the line)."""
    problems: list[str] = []
    alias_items = _lines(values.get(F_ALIASES, ""))
    sources, source_lines, source_problems = parse_sources(values.get(F_SOURCES, ""))
    problems.extend(source_problems)
    data: dict[str, Any] = {
        "id": entry_id,
        "question": values.get(F_QUESTION, "").strip(),
        "aliases": [text for _, text in alias_items],
        "tags": list(keep.meta.tags) if keep else [],
        "category": category,
        "summary": " ".join(values.get(F_SUMMARY, "").split()),
        "related": list(keep.meta.related) if keep else [],
        "checked_claims": list(keep.meta.checked_claims) if keep else [],
        "protected": keep.meta.protected if keep else False,
        "sources": sources,
        "reviewed_by": REVIEWED_BY,
        "reviewed_on": today.isoformat(),
        "review_due": one_year_after(today).isoformat(),
        "status": "published",
    }
    body = values.get(F_DETAIL, "").replace("\r\n", "\n").strip()
    meta: FrontMatter | None = None
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as exc:
        alias_lines = [number for number, _ in alias_items]
        for err in exc.errors():
            if err["loc"] and err["loc"][0] == "sources" and source_problems and err["type"] == "too_short":
                continue  # the line problems already say why no source was read
            problems.append(f"{friendly_field(err['loc'], alias_lines, source_lines)}: {friendly_message(err)}")
    if not body:
        problems.append("Detail: is empty: write the full answer in plain words.")
    if problems or meta is None:
        return FormResult(None, problems)
    entry = FaqEntry(meta=meta, body=body, pack=pack, origin="database")
    # The same text a content file would hold must read back as the same entry, or export breaks.
    parsed, file_problems = parse_entry(dump_entry(entry), label="draft", pack=pack, expected_id=entry_id)
    if parsed is None or not parsed.same_content(entry):
        details = "; ".join(f"{friendly_field(p.field.split('.'))}: {p.message}" for p in file_problems)
        return FormResult(None, [f"Entry: could not be written as a content file. {details}".strip()])
    return FormResult(entry, [])


# -- the service -----------------------------------------------------------------------------

class ModerationService:
    def __init__(self, app: SupportApp) -> None:
        self.app = app
        self.store = ModerationStore(app.db)
        self.applied: dict[str, FaqEntry] = {}  # revisions served now, by entry id
        self.drift: list[Revision] = []  # approved revisions a newer file on disk has replaced
        self._writing = asyncio.Lock()  # a new entry's id is chosen and stored in one step

    @property
    def library(self) -> FaqLibrary:
        return self.app.library

    def handlers(self) -> dict[str, Any]:
        return {
            "moderation.propose": self.propose,
            "moderation.edit": self.edit,
            "moderation.review": self.review,
            "moderation.approve": self.approve,
            "moderation.reject": self.reject,
            "moderation.retire": self.retire,
            "moderation.history": self.history,
            "moderation.reload": self.reload,
            "moderation.gaps": self.gaps,
            "moderation.stats": self.stats,
            "moderation.due": self.due,
        }

    def completers(self) -> dict[str, Any]:
        return {
            "moderation.entries": self.complete_entries,
            "moderation.pending": self.complete_pending,
            "moderation.live": self.complete_live,
        }

    async def start(self) -> None:
        """Serve the published revisions (call after the content files are loaded)."""
        await self.refresh()

    def now(self) -> datetime:
        return self.app.clock.now()

    def today(self) -> date:
        return self.now().date()

    # -- permissions ------------------------------------------------------------------------

    async def refusal(self, actor: Actor) -> str | None:
        """The kind refusal for a non-moderator, or None (``app.checks[CHECK_NAME]``)."""
        return None if await is_moderator(actor, self.app.guilds) else REFUSAL

    async def _guard(self, actor: Actor) -> Reply | None:
        refusal = await self.refusal(actor)
        return None if refusal is None else Reply.text(refusal)

    # -- overrides --------------------------------------------------------------------------

    async def refresh(self) -> list[Revision]:
        """Serve the latest approved revision of each entry, unless the file on disk changed
        after it was written (then the newer, reviewed file wins). Returns those set aside."""
        files = self.library.file_entries()
        overrides: dict[str, FaqEntry] = {}
        drift: list[Revision] = []
        for revision in await self.store.latest_approved():
            try:
                entry = revision.entry()
            except ValidationError:
                log.warning("revision #%d no longer validates; the file entry is served", revision.id)
                continue
            on_disk = files.get(revision.entry_id)
            if content_hash(on_disk) == revision.file_hash or (on_disk is not None and on_disk.same_content(entry)):
                overrides[revision.entry_id] = entry
            else:
                drift.append(revision)
        self.applied = overrides
        self.drift = drift
        self.library.set_overrides(overrides)
        return drift

    def live(self, entry_id: str) -> FaqEntry | None:
        """What the entry is now (published, draft-status or retired), wherever it comes from."""
        return self.library.get_any(entry_id)

    def _pack_for(self, category: str) -> str:
        entries = [*self.library.file_entries().values(), *self.applied.values()]
        same = Counter(e.pack for e in entries if e.meta.category == category)
        every = Counter(e.pack for e in entries)
        for counts in (same, every):
            if counts:
                return counts.most_common(1)[0][0]
        return "faq"

    def guess_category(self, question: str) -> str:
        """For a proposal from a gap: the category of the nearest entry (a moderator can change it)."""
        result = self.library.index.search(question)
        for hit in result.ranked[:1]:
            entry = self.library.get(hit.entry_id)
            if entry is not None:
                return entry.meta.category
        return "basics"

    async def _new_id(self, question: str) -> str:
        base = slugify(question)
        taken = await self.store.entry_ids() | set(self.library.file_entries()) | set(self.applied)
        candidate, n = base, 2
        while candidate in taken:
            suffix = f"-{n}"
            candidate, n = base[: NEW_ID_MAX - len(suffix)].rstrip("-") + suffix, n + 1
        return candidate

    # -- audit ------------------------------------------------------------------------------

    async def post_startup_problems(self) -> int:
        """Tell every server's audit channel which FAQ files failed to load at start-up (they are
        not served until fixed); returns how many channels were told. Nothing is posted when all
        files loaded."""
        problems = self.app.startup_problems
        if not problems:
            return 0
        lines = [f"• {self._file_label(p.file)}{f': {p.field}' if p.field else ''}: {p.message}" for p in problems]
        card = Card(title=f"{len(problems)} problem(s) in the FAQ files at start-up", colour=Colour.URGENT,
                    description=join_lines(["Entries with problems are not served until they are fixed "
                                            "(then `/faq-admin reload`):", *lines], EMBED_DESCRIPTION_MAX))
        told = 0
        for guild_id, channel in await self.store.audit_channels():
            try:
                await self.app.outbox.to_channel(channel, Reply(cards=[card], ephemeral=False))
                told += 1
            except Exception:
                log.warning("start-up problems post to server %s failed", guild_id, exc_info=True)
        return told

    async def _audit(self, actor: Actor, title: str, lines: list[str], *, colour: Colour = Colour.NEUTRAL,
                     also_guild: int | None = None, cards: list[Card] | None = None) -> None:
        """Post a change to the audit channel of the server it happened in (and of the server a
        draft came from). The database history is the record; a failed post never undoes a change."""
        seen: set[int] = set()
        for guild_id in (actor.guild_id, also_guild):
            if guild_id is None or guild_id in seen:
                continue
            seen.add(guild_id)
            channel = (await self.app.guilds.get(guild_id)).audit_channel_id
            if channel is None:
                continue
            card = Card(title=clip(title, 256), description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
                        colour=colour, footer=f"By {actor.display_name} ({actor.user_id}) · {when(self.now())}")
            try:
                await self.app.outbox.to_channel(channel, Reply(cards=fit_cards([card, *(cards or [])]),
                                                                ephemeral=False))
            except Exception:
                log.warning("audit post to server %s failed", guild_id, exc_info=True)

    # -- propose / edit ---------------------------------------------------------------------

    async def propose(self, actor: Actor, category: str = "basics") -> Reply:
        """/faq-admin propose: an empty form for a new entry."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        if category not in CATEGORY_ORDER:
            category = "basics"
        return Reply(modal=proposal_modal(f"{PREFIX}:form:new:{category_code(category)}", "Propose an FAQ entry"))

    async def edit(self, actor: Actor, id: str, category: str | None = None) -> Reply:
        """/faq-admin edit: the form pre-filled with the waiting draft, or else the live entry."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return await self._edit_form(id.strip(), category)

    async def _edit_form(self, entry_id: str, category: str | None) -> Reply:
        pending = await self.store.pending_for(entry_id)
        current = pending.entry() if pending is not None else self.live(entry_id)
        if current is None:
            return Reply.text(f"I don't know an entry `{clip(entry_id, 80)}`. Pick one from the suggestions, "
                              "or use `/faq-admin propose` for a new one.")
        values = form_values(current)
        too_big = too_big_for_form(values)
        if too_big:
            return Reply.text(
                f"`{entry_id}` has more text in {', '.join(too_big)} than a Discord form can hold, so editing it "
                "here would cut it short. Please edit its content file instead (see docs/content-format.md)."
            )
        if category is not None and category not in CATEGORY_ORDER:
            category = None
        title = f"Edit draft #{pending.id}: {entry_id}" if pending is not None else f"Edit: {entry_id}"
        return Reply(modal=proposal_modal(f"{PREFIX}:form:edit:{category_code(category)}:{entry_id}", title, values))

    async def submit(self, actor: Actor, mode: str, code: str, entry_id: str | None,
                     values: Mapping[str, str]) -> Reply:
        """A submitted proposal form: validate, store as a pending draft, tell the audit channel."""
        async with self._writing:
            return await self._submit(actor, mode, code, entry_id, values)

    async def _submit(self, actor: Actor, mode: str, code: str, entry_id: str | None,
                      values: Mapping[str, str]) -> Reply:
        today = self.today()
        pending: Revision | None = None
        if mode == "edit" and entry_id:
            pending = await self.store.pending_for(entry_id)
            base = self.live(entry_id)
            keep = pending.entry() if pending is not None else base
            if keep is None:
                return Reply.text(f"`{entry_id}` no longer exists, so there is nothing to edit.")
            category = category_from(code) or keep.meta.category
            pack = base.pack if base is not None else keep.pack
        elif mode == "new":
            base, keep = None, None
            category = category_from(code) or "basics"
            entry_id = await self._new_id(values.get(F_QUESTION, ""))
            pack = self._pack_for(category)
        else:
            return Reply.text(STALE)
        result = build_draft(values, entry_id=entry_id, category=category, pack=pack, keep=keep, today=today)
        if result.entry is None:
            return self._form_problems(result.problems, values, mode, code, entry_id)
        draft = result.entry
        if pending is not None and pending.entry(today).same_content(draft):
            return Reply.text(f"That is the same as draft #{pending.id}, which is still waiting for review; "
                              "nothing new was saved.")
        kind = "edit" if base is not None else "create"
        changes = ", ".join(changed_fields(base, draft)) if base is not None else "new entry"
        if base is not None and not changes:
            changes = "review only (no changes to the text)"
        new = NewRevision(
            entry_id=draft.id, kind=kind, pack=draft.pack, front_matter=draft.meta.model_dump(mode="json"),
            body=draft.body, changes=changes, base_text=entry_text(base) if base is not None else None,
            base_hash=content_hash(base), file_hash=content_hash(self.library.file_entries().get(draft.id)),
            guild_id=actor.guild_id, author_id=actor.user_id, author_name=actor.display_name,
        )
        rev_id, superseded = await self.store.add_pending(new, self.now())
        warnings = self._warnings(draft)
        replaced = f" It replaces draft {', '.join(f'#{s}' for s in superseded)}." if superseded else ""
        still = ("Members keep getting the current answer until then." if base is not None and base.published
                 else "Members won't see it until then.")
        what = f"edit of `{draft.id}` ({changes})" if kind == "edit" else f"new entry `{draft.id}`"
        text = (f"Thank you. Draft #{rev_id} is saved: {what}.{replaced}\n"
                f"Another moderator can approve it with `/faq-admin approve {draft.id}` or from "
                f"`/faq-admin review`. {still}")
        cards: list[Card] = []
        if warnings:
            cards.append(self._warnings_card(warnings))
        preview = answer_card(draft)
        preview.title = clip(f"Preview: {preview.title}", 256)
        cards.append(preview)
        await self._audit(actor, f"FAQ draft #{rev_id} proposed: {KIND_WORDS[kind]} {draft.id}",
                          [f"**{draft.question}**", f"Changes: {changes}.{replaced}",
                           f"Proposed by {actor.display_name}. Review with `/faq-admin review`."],
                          colour=Colour.INFO)
        return Reply(content=text, cards=fit_cards(cards), buttons=[
            Button("Preview as members see it", f"{PREFIX}:preview:{rev_id}", Style.SECONDARY),
        ])

    def _form_problems(self, problems: list[str], values: Mapping[str, str], mode: str, code: str,
                       entry_id: str | None) -> Reply:
        """Nothing is stored; the moderator gets every problem at once and a copy of their text."""
        listing = "\n".join(f"• {p}" for p in problems)
        copy = "\n\n".join(f"{FORM_NAMES[key]}:\n{values.get(key, '').strip()}" for key in FORM)
        again = f"{PREFIX}:open:{mode}:{code}" + (f":{entry_id}" if mode == "edit" and entry_id else "")
        return Reply(
            content=clip("I couldn't save that yet, so nothing was stored. Please fix these and send the form "
                         "again (what you wrote is attached, to copy from):", 2000),
            cards=[Card(title="What to fix", description=clip(listing, EMBED_DESCRIPTION_MAX), colour=Colour.URGENT)],
            files=[Attachment("your-draft.txt", copy.encode("utf-8"), "What you wrote in the form")],
            buttons=[Button("Open the form again", again, Style.PRIMARY)],
        )

    def _warnings(self, draft: FaqEntry) -> list[str]:
        """Lint, as ``content check`` would, plus hints only a proposal needs."""
        others = [e for e in self.library.published() if e.id != draft.id]
        problems: list[Problem] = lint_pack([*others, draft], labels={}, today=self.today())
        found = [f"{friendly_field(p.field.split('.') if p.field else [])}: {p.message}"
                 for p in problems if p.file == draft.id]
        if len(draft.meta.aliases) < 3:
            found.append("Other ways to ask: members find answers more often with 3 to 8 ways of asking.")
        result = self.library.index.search(draft.question)
        if result.kind == "answer" and result.best is not None and result.best.entry_id != draft.id:
            found.append(f"Members asking this question now get `{result.best.entry_id}`: "
                         "consider editing that entry instead, or make the questions clearly different.")
        return found

    @staticmethod
    def _warnings_card(warnings: list[str]) -> Card:
        return Card(title="Please check before approving",
                    description=clip("\n".join(f"• {w}" for w in warnings), 2000), colour=Colour.URGENT)

    # -- review -----------------------------------------------------------------------------

    def _diff(self, revision: Revision) -> str:
        """Pending: against what is live now. Decided: against what was live when it was written."""
        new_text = entry_text(revision.entry())
        if revision.status == "pending":
            live = self.live(revision.entry_id)
            old_text = entry_text(live)
            old_label = f"{revision.entry_id}.md (live)" if live is not None else "(new entry)"
        else:
            old_text = revision.base_text or ""
            old_label = f"{revision.entry_id}.md (before)" if revision.base_text else "(new entry)"
        return unified(old_text, new_text, old_label=old_label, new_label=f"{revision.entry_id}.md (#{revision.id})")

    def _is_stale(self, revision: Revision) -> bool:
        return content_hash(self.live(revision.entry_id)) != revision.base_hash

    def _header(self, revision: Revision) -> str:
        lines = [f"Proposed by **{revision.author_name}** on {when(revision.proposed_at)}",
                 f"Changes: {revision.changes}"]
        if revision.status != "pending":
            by = f" by {revision.decided_by_name}" if revision.decided_by_name else ""
            at = f" on {when(revision.decided_at)}" if revision.decided_at else ""
            lines.append(f"{STATUS_WORDS[revision.status].capitalize()}{by}{at}")
            if revision.reason:
                lines.append(f"Reason: {clip(revision.reason, 300)}")
        elif self._is_stale(revision):
            lines.append("⚠️ The live entry changed after this draft was written: it can't be approved; "
                         "propose the change again.")
        return "\n".join(lines)

    def _title(self, revision: Revision) -> str:
        return clip(f"#{revision.id} · {KIND_WORDS[revision.kind]} · {revision.entry_id}", 256)

    async def review(self, actor: Actor, revision: int | None = None) -> Reply:
        """/faq-admin review: waiting drafts with a diff against the live text."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        if revision is not None:
            return await self._show(revision)
        total = await self.store.pending_count()
        if total == 0:
            return Reply.text("No drafts are waiting for review. Thank you for keeping up!")
        drafts = await self.store.pending(limit=REVIEW_PAGE)
        headers = [(self._title(r), self._header(r)) for r in drafts]
        fixed = sum(len(t) + len(h) + 2 for t, h in headers)
        share = max(200, (EMBED_TOTAL_MAX - 100 - fixed) // len(drafts))
        cards: list[Card] = []
        buttons: list[Button] = []
        for row, (draft, (title, header)) in enumerate(zip(drafts, headers, strict=True)):
            limit = min(share, EMBED_DESCRIPTION_MAX - len(header) - 2)
            block = code_block(self._diff(draft), limit, more_hint=f"; press Full view #{draft.id}")
            cards.append(Card(title=title, description=f"{header}\n{block}", colour=Colour.INFO))
            buttons += [
                Button(f"Approve #{draft.id}", f"{PREFIX}:approve:{draft.id}", Style.SUCCESS, row=row),
                Button(f"Reject #{draft.id}", f"{PREFIX}:reject:{draft.id}", Style.DANGER, row=row),
                Button(f"Full view #{draft.id}", f"{PREFIX}:show:{draft.id}", Style.SECONDARY, row=row),
            ]
        cards = fit_cards(cards)
        buttons = [b for b in buttons if b.row is not None and b.row < len(cards)]
        more = (f" Showing the oldest {len(cards)}; decide these to see the rest, or open one with "
                "`/faq-admin review revision:<number>`.") if total > len(cards) else ""
        content = (f"{total} draft{'s' if total != 1 else ''} waiting for review, oldest first. A draft goes live "
                   f"only when a moderator other than its author approves it.{more}")
        return Reply(content=content, cards=cards, buttons=buttons)

    async def _show(self, rev_id: int) -> Reply:
        revision = await self.store.get(rev_id)
        if revision is None:
            return Reply.text(f"There is no draft #{rev_id}.")
        header = self._header(revision)
        block = code_block(self._diff(revision), EMBED_DESCRIPTION_MAX - len(header) - 2)
        buttons = [Button("Preview as members see it", f"{PREFIX}:preview:{revision.id}", Style.SECONDARY)]
        if revision.status == "pending":
            buttons = [Button(f"Approve #{revision.id}", f"{PREFIX}:approve:{revision.id}", Style.SUCCESS),
                       Button(f"Reject #{revision.id}", f"{PREFIX}:reject:{revision.id}", Style.DANGER), *buttons]
        card = Card(title=self._title(revision), description=f"{header}\n{block}", colour=Colour.INFO)
        return Reply(cards=[card], buttons=buttons)

    async def _preview(self, rev_id: int) -> Reply:
        revision = await self.store.get(rev_id)
        if revision is None:
            return Reply.text(f"There is no draft #{rev_id}.")
        entry = revision.entry()
        cards = [answer_card(entry)]
        warnings = self._warnings(entry) if revision.status == "pending" else []
        if warnings:
            cards.insert(0, self._warnings_card(warnings))
        status = STATUS_WORDS[revision.status]
        return Reply(content=f"Draft #{revision.id} ({status}) as members would see it:", cards=fit_cards(cards))

    # -- decide -----------------------------------------------------------------------------

    async def _pending_by_ref(self, ref: str) -> tuple[Revision | None, str]:
        """A waiting draft by entry id (there is at most one per entry) or by number ("12", "#12")."""
        ref = ref.strip()
        number = ref.lstrip("#")
        if number.isdigit():
            revision = await self.store.get(int(number))
            if revision is not None:
                return revision, ref
        return await self.store.pending_for(ref), ref

    def _not_pending(self, revision: Revision) -> Reply:
        if revision.status == "superseded":
            return Reply.text(f"Draft #{revision.id} was replaced by a newer draft ({revision.reason or 'superseded'}). "
                              f"See `/faq-admin history {revision.entry_id}`.")
        by = f" by {revision.decided_by_name}" if revision.decided_by_name else ""
        return Reply.text(f"Draft #{revision.id} was already {STATUS_WORDS[revision.status]}{by}. "
                          f"See `/faq-admin history {revision.entry_id}`.")

    async def approve(self, actor: Actor, id: str) -> Reply:
        """/faq-admin approve: publish a waiting draft, at once, if the approver is not its author."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        revision, ref = await self._pending_by_ref(id)
        if revision is None:
            return no_pending(ref)
        return await self._approve(actor, revision)

    async def _approve(self, actor: Actor, revision: Revision) -> Reply:
        async with self._writing:  # one decision at a time: the staleness check stays true until stored
            return await self._approve_now(actor, revision)

    async def _approve_now(self, actor: Actor, revision: Revision) -> Reply:
        revision = await self.store.get(revision.id) or revision  # the latest state, not the caller's copy
        if revision.status != "pending":
            return self._not_pending(revision)
        if revision.author_id == actor.user_id and self._protected(revision.entry_id):
            return Reply.text(PROTECTED_SELF.format(rev=revision.id, entry=revision.entry_id))
        if revision.author_id == actor.user_id and not await may_self_approve(
            actor, self.app.guilds, self.app.settings.allow_self_approval
        ):
            return Reply.text(SELF_APPROVAL.format(rev=revision.id))
        now = self.now()
        if self._is_stale(revision):
            await self.store.decide(revision.id, "superseded", actor.user_id, actor.display_name, now,
                                    "the live entry changed after this draft was written")
            return Reply.text(STALE_BASE.format(entry=revision.entry_id, rev=revision.id))
        try:
            entry = revision.entry(now.date())
        except ValidationError as exc:
            listing = "; ".join(f"{friendly_field(e['loc'])}: {friendly_message(e)}" for e in exc.errors())
            return Reply.text(f"Draft #{revision.id} no longer passes the content checks ({listing}). "
                              f"Please propose it again with `/faq-admin edit {revision.entry_id}`.")
        if not await self.store.decide(revision.id, "approved", actor.user_id, actor.display_name, now):
            return Reply.text(f"Another moderator decided draft #{revision.id} a moment ago. "
                              f"See `/faq-admin history {revision.entry_id}`.")
        await self.refresh()
        served = self.library.get(entry.id)
        self_note = " (self-approved: allowed on this server)" if revision.author_id == actor.user_id else ""
        text = (f"Approved draft #{revision.id} by {revision.author_name}{self_note}: `{entry.id}` is live now "
                f"and `/faq` answers with it at once. Reviewed by {REVIEWED_BY} on {day(entry.meta.reviewed_on)}; "
                f"next review due {day(entry.meta.review_due)}.")
        if served is None:
            text += " (It is not served right now; `/faq-admin reload` explains why.)"
        await self._audit(actor, f"FAQ draft #{revision.id} approved: {entry.id} is live",
                          [f"**{entry.question}**", f"Changes: {revision.changes}",
                           f"Proposed by {revision.author_name}, approved by {actor.display_name}{self_note}."],
                          colour=Colour.SUCCESS, also_guild=revision.guild_id)
        return Reply(content=text, cards=[answer_card(entry)])

    async def reject(self, actor: Actor, id: str, reason: str) -> Reply:
        """/faq-admin reject: close a draft with a reason; it stays in the history."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        revision, ref = await self._pending_by_ref(id)
        if revision is None:
            return no_pending(ref)
        return await self._reject(actor, revision, reason)

    async def _reject(self, actor: Actor, revision: Revision, reason: str) -> Reply:
        async with self._writing:
            return await self._reject_now(actor, revision, reason)

    async def _reject_now(self, actor: Actor, revision: Revision, reason: str) -> Reply:
        revision = await self.store.get(revision.id) or revision
        if revision.status != "pending":
            return self._not_pending(revision)
        reason = " ".join(reason.split())[:500]
        if len(reason) < 3:
            return Reply.text("Please give a short reason, so the author knows what to change.")
        if not await self.store.decide(revision.id, "rejected", actor.user_id, actor.display_name, self.now(), reason):
            return Reply.text(f"Another moderator decided draft #{revision.id} a moment ago.")
        await self._audit(actor, f"FAQ draft #{revision.id} rejected: {revision.entry_id}",
                          [f"Proposed by {revision.author_name}, rejected by {actor.display_name}.",
                           f"Reason: {reason}"], colour=Colour.NEUTRAL, also_guild=revision.guild_id)
        return Reply.text(f"Rejected draft #{revision.id} for `{revision.entry_id}`. It stays in the history with "
                          f"your reason, and members keep getting what they got before.")

    def _protected(self, entry_id: str) -> bool:
        """A safety entry, as marked in its file or its live revision (either keeps the protection)."""
        entries = [self.live(entry_id), self.library.file_entries().get(entry_id)]
        return any(e is not None and e.meta.protected for e in entries)

    async def retire(self, actor: Actor, id: str, reason: str) -> Reply:
        """/faq-admin retire: take an entry away from members at once (one moderator suffices,
        because removing a wrong answer must not wait); bringing it back needs approval."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        async with self._writing:
            return await self._retire_now(actor, id.strip(), reason)

    async def _retire_now(self, actor: Actor, entry_id: str, reason: str) -> Reply:
        live = self.library.get(entry_id)
        if live is None:
            current = self.live(entry_id)
            if current is not None and current.meta.status == "retired":
                return Reply.text(f"`{entry_id}` is already retired.")
            return Reply.text(f"`{clip(entry_id, 80)}` is not being served, so there is nothing to retire.")
        reason = " ".join(reason.split())[:500]
        if len(reason) < 3:
            return Reply.text("Please give a short reason: it goes into the history and the audit channel.")
        data = live.meta.model_dump(mode="json")
        data["status"] = "retired"
        FrontMatter.model_validate(data)
        new = NewRevision(
            entry_id=entry_id, kind="retire", pack=live.pack, front_matter=data, body=live.body,
            changes="retired", base_text=entry_text(live), base_hash=content_hash(live),
            file_hash=content_hash(self.library.file_entries().get(entry_id)), guild_id=actor.guild_id,
            author_id=actor.user_id, author_name=actor.display_name,
        )
        if live.meta.protected:
            # A safety entry stays served until a second moderator approves its retirement.
            rev_id, _ = await self.store.add_pending(new, self.now())
            await self._audit(actor, f"Retirement of safety entry {entry_id} proposed (#{rev_id})",
                              [f"**{live.question}**", f"Proposed by {actor.display_name}. Reason: {reason}",
                               "It stays served until another moderator approves."], colour=Colour.URGENT)
            return Reply.text(PROTECTED_RETIRE.format(entry=entry_id, rev=rev_id))
        rev_id, closed = await self.store.add_approved(new, self.now(), reason)
        await self.refresh()
        closed_note = f" Waiting drafts for it were closed: {', '.join(f'#{c}' for c in closed)}." if closed else ""
        await self._audit(actor, f"FAQ entry retired: {entry_id} (#{rev_id})",
                          [f"**{live.question}**", f"Retired by {actor.display_name}. Reason: {reason}",
                           f"Members no longer get this answer.{closed_note}"], colour=Colour.URGENT)
        return Reply.text(
            f"`{entry_id}` is retired (#{rev_id}): members no longer get this answer.{closed_note} "
            f"To bring it back, use `/faq-admin edit {entry_id}`; another moderator approves it."
        )

    # -- history ----------------------------------------------------------------------------

    async def history(self, actor: Actor, id: str) -> Reply:
        """/faq-admin history: every revision of an entry, newest first."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return await self._history(id.strip(), 0)

    def _history_line(self, revision: Revision) -> str:
        line = (f"**#{revision.id}** {KIND_WORDS[revision.kind]} — proposed by {revision.author_name}, "
                f"{when(revision.proposed_at)} — changes: {clip(revision.changes, 200)}")
        by = revision.decided_by_name or "?"
        at = when(revision.decided_at) if revision.decided_at else ""
        if revision.kind == "retire":
            line = (f"**#{revision.id}** retired by {revision.author_name}, {when(revision.proposed_at)} — "
                    f"reason: {clip(revision.reason or '', 200)}")
        elif revision.status == "approved":
            line += f" — ✅ approved by {by}, {at}"
        elif revision.status == "rejected":
            line += f" — ❌ rejected by {by}, {at}: {clip(revision.reason or '', 200)}"
        elif revision.status == "superseded":
            line += f" — ↪ superseded, {at} ({clip(revision.reason or '', 120)})"
        else:
            line += " — ⏳ waiting for review"
        return line

    async def _history(self, entry_id: str, page: int) -> Reply:
        revisions = await self.store.history(entry_id)
        live = self.live(entry_id)
        if not revisions and live is None:
            return Reply.text(f"I don't know an entry `{clip(entry_id, 80)}`.")
        applied = self.applied.get(entry_id)
        on_file = self.library.file_entries().get(entry_id)
        if applied is not None:
            latest = next((r for r in revisions if r.status == "approved"), None)
            source = f"revision #{latest.id}, approved in Discord" if latest else "a revision approved in Discord"
            served = (f"retired by {source} (not served)" if applied.meta.status == "retired"
                      else f"served from {source}")
        elif on_file is not None:
            served = (f"served from the file {on_file.pack}/{entry_id}.md" if on_file.published
                      else f"not served (the file {on_file.pack}/{entry_id}.md says {on_file.meta.status})")
        else:
            served = "not published yet"
        drifted = [r for r in self.drift if r.entry_id == entry_id]
        if drifted:
            served += f" — the file changed on disk after #{drifted[0].id}, so the file wins"
        pages = max(1, -(-len(revisions) // HISTORY_PAGE))
        page = min(max(0, page), pages - 1)
        shown = revisions[page * HISTORY_PAGE:(page + 1) * HISTORY_PAGE]
        lines = [f"Now: {served}."]
        if on_file is not None:
            lines.append(f"File review: by {on_file.meta.reviewed_by} on {day(on_file.meta.reviewed_on)}.")
        lines.append("")
        lines += [self._history_line(r) for r in shown] or ["No changes were made from Discord yet."]
        footer = f"Page {page + 1} of {pages} · {len(revisions)} revision(s); nothing is ever deleted."
        card = Card(title=clip(f"History of {entry_id}", 256), description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
                    footer=footer, colour=Colour.NEUTRAL)
        buttons = [Button(f"Diff #{r.id}", f"{PREFIX}:show:{r.id}", Style.SECONDARY, row=i // 5)
                   for i, r in enumerate(shown)]
        if page + 1 < pages:
            buttons.append(Button("Older", f"{PREFIX}:hist:{page + 1}:{entry_id}", Style.PRIMARY, row=2))
        if page > 0:
            buttons.append(Button("Newer", f"{PREFIX}:hist:{page - 1}:{entry_id}", Style.PRIMARY, row=2))
        return Reply(cards=[card], buttons=buttons)

    # -- reload -----------------------------------------------------------------------------

    def _file_label(self, path: str) -> str:
        content_dir = self.library.content_dir
        try:
            return str(Path(content_dir.name) / Path(path).relative_to(content_dir))
        except ValueError:
            return path

    async def reload(self, actor: Actor) -> Reply:
        """/faq-admin reload: re-read content/ from disk; on errors keep serving the last good set."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        report = await asyncio.to_thread(self.library.load)
        safety_problems = await asyncio.to_thread(self.app.care.load)
        safety_lines = [f"• {self._file_label(p.file)}{f': {p.field}' if p.field else ''}: {p.message}"
                        for p in safety_problems if p.severity is Severity.ERROR]
        drift = await self.refresh()
        lines: list[str] = []
        for problem in report.errors:
            where = self._file_label(problem.file) + (f": {problem.field}" if problem.field else "")
            lines.append(f"• {where}: {problem.message}")
        drift_lines = [f"• {r.entry_id}: the file changed on disk after revision #{r.id} was approved in "
                       "Discord, so the file is served now." for r in drift]
        cards: list[Card] = []
        if safety_lines:
            cards.append(Card(title="Safety files NOT reloaded: the last good safety set stays in force",
                              colour=Colour.URGENT, description=join_lines(safety_lines, EMBED_DESCRIPTION_MAX)))
        if lines:
            cards.append(Card(title="Problems in the content files", colour=Colour.URGENT,
                              description=join_lines(lines, EMBED_DESCRIPTION_MAX)))
        if drift_lines:
            cards.append(Card(title="Files newer than Discord revisions", colour=Colour.NEUTRAL,
                              description=join_lines(drift_lines, 1500)))
        served = len(self.library.published())
        if report.applied:
            text = f"Reloaded the content from disk: {served} entries are served."
            if self.applied:
                text += f" {len(self.applied)} of them come from revisions approved in Discord."
            await self._audit(actor, "FAQ content reloaded from disk", [text], colour=Colour.INFO)
        else:
            text = (f"I found {len(report.errors)} problem{'s' if len(report.errors) != 1 else ''} in the content "
                    f"files, so members keep getting the last good content ({served} entries). Nothing changed. "
                    "Fix these, then run `/faq-admin reload` again:")
        if safety_lines:
            text += (f" The safety files have {len(safety_lines)} problem(s), so the triage keeps the last good "
                     "rules, exemplars and crisis lines; fix them and reload again.")
            await self._audit(actor, "Safety files failed to reload", safety_lines[:10], colour=Colour.URGENT)
        else:
            text += " Safety set reloaded: " + "; ".join(self.app.care.describe()[:3]) + "."
        return Reply(content=text, cards=fit_cards(cards))

    # -- gaps, stats, due -------------------------------------------------------------------

    async def gaps(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin gaps: what members asked that the FAQ could not answer, and weak answers."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        gaps = await self._open_gaps(actor.guild_id, self.now() - timedelta(days=days), 10)
        votes = await self.store.not_helpful(actor.guild_id, limit=5)
        if not gaps and not votes:
            return Reply.text(f"No unanswered questions and no \"Not helpful\" votes in the last {days} days.")
        cards: list[Card] = []
        buttons: list[Button] = []
        if gaps:
            lines = [f"#{g.row_id} “{clip(g.question, 150)}” — asked {g.count}×, last {day(g.last_seen.date())}"
                     for g in gaps]
            cards.append(Card(title=f"Questions without a vetted answer (last {days} days)",
                              description="\n".join(lines), colour=Colour.INFO,
                              footer=("Words only, with names, contacts, ages, dates and links removed; who asked is "
                                      "never stored. Answer opens a pre-filled proposal; Dismiss deletes the question.")))
            # Labels carry the entry number only: a question's words stay in this private reply.
            buttons += [Button(f"Answer #{g.row_id}", f"{PREFIX}:gap:{g.row_id}", Style.PRIMARY, row=(i - 1) // 5)
                        for i, g in enumerate(gaps, start=1)]
            buttons += [Button(f"Dismiss #{g.row_id}", f"{PREFIX}:dismiss:{g.row_id}", Style.SECONDARY,
                               row=2 + (i - 1) // 5) for i, g in enumerate(gaps, start=1)]
        if votes:
            lines = []
            for v in votes:
                entry = self.live(v.entry_id)
                question = f" — {clip(entry.question, 120)}" if entry is not None else ""
                lines.append(f"`{v.entry_id}`{question}: 👎 {v.not_helpful} · 👍 {v.helpful}")
            cards.append(Card(title="Answers marked “Not helpful”", description="\n".join(lines), colour=Colour.NEUTRAL))
            buttons += [Button(clip(f"Edit {v.entry_id}", BUTTON_LABEL_MAX), f"{PREFIX}:open:edit:k:{v.entry_id}",
                               Style.SECONDARY, row=4)
                        for v in votes if self.live(v.entry_id) is not None][:5]
        return Reply(cards=fit_cards(cards), buttons=buttons)

    async def _open_gaps(self, guild_id: int | None, since: datetime, limit: int) -> list[Any]:
        """Gaps the FAQ still can't answer (an entry approved since then closes a gap)."""
        rows = await self.store.gaps(guild_id, since, limit=limit * 3)
        # Stored encrypted: opened here, for a moderator's private reply only.
        rows = [dataclasses.replace(g, question=self.app.faq_store.open_question(g.question, guild_id)) for g in rows]
        return [g for g in rows if self.library.index.search(g.question).kind != "answer"][:limit]

    async def _gap_form(self, actor: Actor, row_id: int) -> Reply:
        found = await self.store.unanswered(row_id)
        if found is None or found[0] != actor.guild_id:
            return Reply.text("That question is no longer available. Run `/faq-admin gaps` again.")
        question = clip(self.app.faq_store.open_question(found[1], found[0]).strip(), FORM[F_QUESTION][3])
        category = self.guess_category(question)
        return Reply(modal=proposal_modal(f"{PREFIX}:form:new:{category_code(category)}", "Answer a member question",
                                          {F_QUESTION: question}))

    async def _dismiss_gap(self, actor: Actor, row_id: int) -> Reply:
        """Delete an unanswered question (every asking of the same words in this server), for real."""
        removed = await self.app.faq_store.dismiss_unanswered(row_id, actor.guild_id)
        if not removed:
            return Reply.text("That question is no longer available. Run `/faq-admin gaps` again.")
        await self.app.db.scrub()
        log.info("a moderator dismissed an unanswered question (%d asking(s))", removed)
        return Reply.text(f"Dismissed #{row_id}: {removed} asking(s) of that question are deleted.")

    async def stats(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin stats: answers served, top entries and the no-match rate over a period."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        since = self.now() - timedelta(days=days)
        counts = await self.app.faq_store.event_counts(since, actor.guild_id)
        top = await self.app.faq_store.top_entries(since, 5, actor.guild_id)
        up, down = await self.store.votes_since(actor.guild_id, since)
        answers, misses, safety = counts.get("answer", 0), counts.get("no_match", 0), counts.get("safety", 0)
        asked = answers + misses
        share = f"{misses} ({misses / asked:.0%} of questions)" if asked else str(misses)
        top_lines = []
        for entry_id, n in top:
            entry = self.live(entry_id)
            top_lines.append(f"{n}× `{entry_id}`" + (f" — {clip(entry.question, 90)}" if entry else ""))
        card = Card(
            title=f"FAQ in the last {days} day{'s' if days != 1 else ''}",
            fields=[
                Field("Answers served", str(answers), inline=True),
                Field("No vetted answer", share, inline=True),
                Field("Pointed to care first", str(safety), inline=True),
                Field("Feedback", f"👍 {up} · 👎 {down}", inline=True),
                Field("Most served", "\n".join(top_lines) or "None yet"),
            ],
            footer="Counts only: no member is identified.",
            colour=Colour.INFO,
        )
        return Reply(cards=[card])

    def due_entries(self) -> list[FaqEntry]:
        """Served entries whose review is overdue or due within 30 days, soonest first."""
        horizon = self.today() + DUE_WINDOW
        due = [e for e in self.library.published() if e.meta.review_due <= horizon]
        return sorted(due, key=lambda e: (e.meta.review_due, e.id))

    def _due_line(self, entry: FaqEntry, *, question: bool = True) -> str:
        days_left = (entry.meta.review_due - self.today()).days
        if days_left < 0:
            status = f"overdue since {day(entry.meta.review_due)}"
        elif days_left == 0:
            status = "due today"
        else:
            status = f"due {day(entry.meta.review_due)} (in {days_left} day{'s' if days_left != 1 else ''})"
        return f"`{entry.id}` — {clip(entry.question, 100)} — {status}" if question else f"`{entry.id}` — {status}"

    async def due(self, actor: Actor) -> Reply:
        """/faq-admin due: entries to re-review (overdue, or due within 30 days)."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        entries = self.due_entries()
        if not entries:
            return Reply.text("No entries are due for review in the next 30 days.")
        card = Card(title=f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'} to re-review",
                    description=join_lines([self._due_line(e, question=len(entries) <= 15) for e in entries],
                                           EMBED_DESCRIPTION_MAX),
                    colour=Colour.URGENT)
        text = ("To re-review, open the form, check each source still says the same, change what needs changing "
                "(or nothing) and send it. Once another moderator approves, the next review moves 12 months on.")
        buttons = [Button(clip(f"Re-review {e.id}", BUTTON_LABEL_MAX), f"{PREFIX}:open:edit:k:{e.id}", Style.PRIMARY)
                   for e in entries[:10]]
        return Reply(content=text, cards=[card], buttons=buttons)

    # -- weekly digest ----------------------------------------------------------------------

    async def digest_reply(self, guild_id: int) -> Reply:
        due = self.due_entries()
        pending = await self.store.pending(limit=5)
        pending_total = await self.store.pending_count()
        gaps = await self._open_gaps(guild_id, self.now() - DIGEST_EVERY, 5)
        due_text = "\n".join(self._due_line(e) for e in due[:10]) or "Nothing due in the next 30 days."
        if len(due) > 10:
            due_text += f"\n…and {len(due) - 10} more: `/faq-admin due`."
        pending_text = "\n".join(
            f"#{r.id} {KIND_WORDS[r.kind]} `{r.entry_id}` by {r.author_name}, {day(r.proposed_at.date())}" for r in pending
        ) or "No drafts waiting."
        if pending_total > len(pending):
            pending_text += f"\n…and {pending_total - len(pending)} more: `/faq-admin review`."
        # The digest is posted to a channel: counts and entry numbers only, never a member's words.
        gap_text = (f"{sum(g.count for g in gaps)} asking(s) of {len(gaps)} question(s): "
                    + ", ".join(f"#{g.row_id} ({g.count}×)" for g in gaps)
                    + ". `/faq-admin gaps` shows their words, privately.") if gaps else "None this week."
        card = Card(
            title="Weekly FAQ digest for moderators",
            fields=[
                Field(f"Reviews due ({len(due)})", clip(due_text, 1024)),
                Field(f"Drafts waiting for review ({pending_total})", clip(pending_text, 1024)),
                Field("Top unanswered questions this week", clip(gap_text, 1024)),
            ],
            footer="Who asked is never stored.",
            colour=Colour.INFO,
        )
        return Reply(cards=[card], ephemeral=False)

    async def weekly_digest(self, guild_id: int) -> bool:
        """Post the digest to the server's audit channel; False when it has none."""
        channel = (await self.app.guilds.get(guild_id)).audit_channel_id
        if channel is None:
            return False
        await self.app.outbox.to_channel(channel, await self.digest_reply(guild_id))
        return True

    async def send_due_digests(self) -> int:
        """Post a digest to every server whose last one is a week old; the claim is stored first,
        so a restart (or a second process) never posts the same week twice."""
        sent = 0
        now = self.now()
        for guild_id, _channel in await self.store.audit_channels():
            if not await self.store.claim_digest(guild_id, now, now - DIGEST_EVERY + DIGEST_SLACK):
                continue
            try:
                if await self.weekly_digest(guild_id):
                    sent += 1
            except Exception:
                log.warning("weekly digest for server %s failed", guild_id, exc_info=True)
        return sent

    async def run_digests(self, stop_event: asyncio.Event, check_every: float = 3600.0) -> None:
        """Background task: check hourly, post weekly, until ``stop_event`` is set."""
        while not stop_event.is_set():
            try:
                await self.send_due_digests()
            except Exception:
                log.exception("weekly digest check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=check_every)

    # -- autocomplete -----------------------------------------------------------------------

    async def complete_entries(self, actor: Actor, text: str) -> list[Choice]:
        """Every entry a moderator may edit or look up: served, retired, draft-only."""
        if await self.refusal(actor) is not None:
            return []
        pool: dict[str, str] = {e.id: e.question for e in self.library.file_entries().values()}
        pool.update({e.id: e.question for e in self.applied.values()})
        for revision in await self.store.pending(limit=100):
            pool.setdefault(revision.entry_id, str(revision.front_matter.get("question", "")))
        for entry_id in await self.store.entry_ids():
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
        for r in await self.store.pending(limit=100):
            name = f"#{r.id} {r.entry_id}: {KIND_WORDS[r.kind]} by {r.author_name}"
            if needle in name.casefold() or needle in str(r.front_matter.get("question", "")).casefold():
                choices.append(Choice(name=clip(name, CHOICE_NAME_MAX), value=r.entry_id))
        return choices[:CHOICES_MAX]

    async def complete_live(self, actor: Actor, text: str) -> list[Choice]:
        """Entries members are served now (retire)."""
        if await self.refusal(actor) is not None:
            return []
        return [Choice(name=clip(f"{e.question} ({e.id})", CHOICE_NAME_MAX), value=e.id)
                for e in self.library.index.autocomplete(text)]

    # -- buttons and forms ------------------------------------------------------------------

    async def handle_component(self, actor: Actor, args: list[str], values: dict[str, str]) -> Reply:
        """Routes ``mod:…``. Every button and form re-checks the moderator right: a custom id is
        not a permission."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        match args:
            case ["open", "new", code]:
                category = category_from(code) or "basics"
                return Reply(modal=proposal_modal(f"{PREFIX}:form:new:{category_code(category)}",
                                                  "Propose an FAQ entry"))
            case ["open", "edit", code, entry_id]:
                return await self._edit_form(entry_id, category_from(code))
            case ["form", "new", code]:
                return await self.submit(actor, "new", code, None, values)
            case ["form", "edit", code, entry_id]:
                return await self.submit(actor, "edit", code, entry_id, values)
            case ["gap", row] if row.isdigit():
                return await self._gap_form(actor, int(row))
            case ["dismiss", row] if row.isdigit():
                return await self._dismiss_gap(actor, int(row))
            case ["approve", rev] if rev.isdigit():
                revision = await self.store.get(int(rev))
                return Reply.text(STALE) if revision is None else await self._approve(actor, revision)
            case ["reject", rev] if rev.isdigit():
                return Reply(modal=Modal(custom_id=f"{PREFIX}:why:{rev}", title=f"Reject draft #{rev}", fields=[
                    ModalField("reason", "Why? (kept in the history)", paragraph=True, max_length=500,
                               min_length=3, placeholder="What should change before it can go live?"),
                ]))
            case ["why", rev] if rev.isdigit():
                revision = await self.store.get(int(rev))
                if revision is None:
                    return Reply.text(STALE)
                return await self._reject(actor, revision, values.get("reason", ""))
            case ["show", rev] if rev.isdigit():
                return await self._show(int(rev))
            case ["preview", rev] if rev.isdigit():
                return await self._preview(int(rev))
            case ["hist", page, entry_id] if page.isdigit():
                return await self._history(entry_id, int(page))
        return Reply.text(STALE)

