"""Read FAQ entries from ``content/<pack>/<id>.md`` and report every problem with file and field.

The loader never stops at the first problem: a moderator fixing a pack wants the whole list.
Valid entries load even when others fail; :class:`bot.faq.library.FaqLibrary` decides what to
serve when a *reload* has problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.contentfiles import ContentFileError, load_yaml, read_content_file
from bot.faq.models import FaqEntry, FrontMatter
from bot.faq.vocabulary import load_vocabulary
from bot.problems import Problem, Severity

FRONT_MATTER_FENCE = "---"
# Folders under content/ that hold other kinds of reviewed content, not FAQ entries.
NON_FAQ_DIRS = frozenset({"safety", "resources"})


def _is_faq_pack(name: str) -> bool:
    """A folder of FAQ entries (not the safety or resources files, not a hidden folder)."""
    return name not in NON_FAQ_DIRS and not name.startswith(".")


@dataclass(slots=True)
class LoadResult:
    """The entries that loaded and the problems of those that did not."""

    entries: dict[str, FaqEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    vocabulary: dict[str, str] = field(default_factory=dict)  # members' word -> the pack's word

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Return (yaml, body) or None when the text does not start with a ``---`` block."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None


def _field_path(loc: Iterable[object]) -> str:
    return ".".join(str(part) for part in loc) or "front matter"


def parse_entry(text: str, *, label: str, pack: str, expected_id: str | None) -> tuple[FaqEntry | None, list[Problem]]:
    """Parse one file's text. ``label`` names the file in problems."""
    problems: list[Problem] = []
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(label, "", "the file must start with a '---' line, YAML front matter, and another '---' line")]
    raw_meta, body = parts
    try:
        data = load_yaml(raw_meta)
    except ContentFileError as exc:
        return None, [Problem(label, "front matter", str(exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return None, [Problem(label, "front matter", f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict):
        return None, [Problem(label, "front matter", "must be a YAML mapping of field: value")]
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "is not a known field (check the spelling; see docs/content-format.md)"
            elif err["type"] == "missing":
                message = "is required"
            problems.append(Problem(label, _field_path(err["loc"]), message))
        meta = None
    if not body.strip():
        problems.append(Problem(label, "body", "is empty: write the detail below the front matter"))
    if meta is not None and expected_id is not None and meta.id != expected_id:
        problems.append(Problem(label, "id", f"is {meta.id!r} but the file is named {expected_id!r}.md; they must match"))
    if problems or meta is None:
        return None, problems
    return FaqEntry(meta=meta, body=body.strip(), pack=pack), []


def load_entries(content_dir: Path) -> LoadResult:
    """Load every ``<pack>/<id>.md`` under ``content_dir``; ids must be unique across packs."""
    result = LoadResult()
    if not content_dir.is_dir():
        result.problems.append(Problem(str(content_dir), "", "content folder not found"))
        return result
    found: dict[str, list[tuple[float, str, FaqEntry]]] = {}
    for path in sorted(content_dir.glob("*/*.md")):
        pack = path.parent.name
        if not _is_faq_pack(pack):
            continue
        label = str(path)
        try:
            text = read_content_file(path, content_dir)
        except ContentFileError as exc:
            result.problems.append(Problem(label, "", str(exc)))
            continue
        entry, problems = parse_entry(text, label=label, pack=pack, expected_id=path.stem)
        result.problems.extend(problems)
        if entry is None:
            continue
        try:
            changed = path.stat().st_mtime
        except OSError:
            changed = 0.0
        found.setdefault(entry.id, []).append((changed, label, entry))
    for entry_id, copies in found.items():
        # Two files with one id: the older file keeps being served and the problem is reported
        # against the newer copy, which is the one somebody just added by mistake.
        copies.sort(key=lambda item: (item[0], item[1]))
        _, original, entry = copies[0]
        result.entries[entry_id] = entry
        for _, label, _ in copies[1:]:
            result.problems.append(Problem(label, "id", f"{entry_id!r} is already used by {original}"))
    for pack_dir in sorted(p for p in content_dir.iterdir() if p.is_dir()):
        if not _is_faq_pack(pack_dir.name):
            continue
        mapping, problems = load_vocabulary(pack_dir, content_dir)
        result.problems.extend(problems)
        for variant, word in mapping.items():
            if result.vocabulary.get(variant, word) != word:
                result.problems.append(Problem(str(pack_dir / "vocabulary.yaml"), "words",
                                               f"{variant!r} means {result.vocabulary[variant]!r} in another pack"))
                continue
            result.vocabulary[variant] = word
    return result


# Front-matter fields a content file holds only when they have a value.
OPTIONAL_FIELDS = ("related", "checked_claims", "protected", "reviewed_by", "reviewed_on", "review_due")


def without_empty_optional(data: dict[str, Any]) -> dict[str, Any]:
    """Front matter as a file writes it: optional fields left out while empty (in place)."""
    for optional in OPTIONAL_FIELDS:
        if data.get(optional) in (None, [], False):
            data.pop(optional, None)
    return data


def dump_entry(entry: FaqEntry) -> str:
    """Write an entry in the file format, so what the database published can be committed."""
    data = without_empty_optional(entry.meta.model_dump(mode="json", exclude_defaults=False))
    meta = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return f"{FRONT_MATTER_FENCE}\n{meta}{FRONT_MATTER_FENCE}\n{entry.body}\n"
