"""The proposal form: its fields, parsing what a moderator typed, and turning it into an entry
validated exactly like a content file (or into problems that name the field and line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.faq.loader import dump_entry, parse_entry
from bot.faq.models import CATEGORY_ORDER, SLUG_RE, FaqEntry, FrontMatter
from bot.faq.review import review_hash
from bot.faq.text import INTENT_WORDS, words
from bot.ui import (
    MODAL_TITLE_MAX,
    Modal,
    ModalField,
    clip,
)

if TYPE_CHECKING:
    pass


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


def category_code(category: str | None) -> str:
    """Categories travel in custom ids as their index (ids are limited to 100 characters)."""
    return "k" if category is None else str(CATEGORY_ORDER.index(category))


def category_from(code: str) -> str | None:
    """The category a form's short code stands for, or None."""
    if code.isdigit() and int(code) < len(CATEGORY_ORDER):
        return CATEGORY_ORDER[int(code)]
    return None


def slugify(question: str) -> str:
    """An id from a question's meaningful words: "Does heat help back pain?" → "heat-back-pain"."""
    meaningful = (w for w in words(question) if w not in INTENT_WORDS)  # "help" is intent, not topic
    kept = [w for w in (re.sub(r"[^a-z0-9]", "", w) for w in meaningful) if w][:NEW_ID_WORDS]
    slug = "-".join(kept)[:NEW_ID_MAX].strip("-")
    return slug if SLUG_RE.match(slug) else "entry"



# -- the proposal form -----------------------------------------------------------------------

@dataclass(slots=True)
class FormResult:
    """A proposal form read back: the entry, or the problems to show the moderator."""

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



def proposal_modal(custom_id: str, title: str, values: Mapping[str, str] | None = None) -> Modal:
    """The form, pre-filled with ``values``. A value longer than its field is cut to fit (Discord
    refuses the whole form otherwise); the reply that offered the form attaches the full text."""
    values = values or {}
    fields = [
        ModalField(custom_id=key, label=label, paragraph=paragraph, required=required, max_length=limit,
                   placeholder=placeholder, value=(values.get(key) or "")[:limit] or None)
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
    """One pydantic validation error as a sentence a moderator can act on."""
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
        "review": "drafted",
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
    if keep is not None and keep.meta.review == "reviewed" and review_hash(keep) == review_hash(entry):
        # Only aliases, tags or the category changed: that is not a new review, and not a reason
        # to forget the last one either. Its dates stay exactly as they were.
        entry = entry.model_copy(update={"meta": meta.model_copy(update={
            "review": "reviewed", "reviewed_by": keep.meta.reviewed_by, "reviewed_on": keep.meta.reviewed_on,
            "review_due": keep.meta.review_due})})
    # The same text a content file would hold must read back as the same entry, or export breaks.
    parsed, file_problems = parse_entry(dump_entry(entry), label="draft", pack=pack, expected_id=entry_id)
    if parsed is None or not parsed.same_content(entry):
        details = "; ".join(f"{friendly_field(p.field.split('.'))}: {p.message}" for p in file_problems)
        return FormResult(None, [f"Entry: could not be written as a content file. {details}".strip()])
    return FormResult(entry, [])

