"""Write an entry back into its existing content file, changing only what changed.

A reviewer reads an export as a pull request. Re-dumping the whole front matter would change
list styles, folding and quoting and turn "one alias added" into a 30-line diff, so this edits the
parsed file in place with a round-trip YAML library (``ruamel.yaml``): unchanged fields keep
their exact text, a changed list keeps its style and only gains or loses the items that changed,
a changed folded summary stays folded, and the body is only replaced when it differs.
"""

from __future__ import annotations

import difflib
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

from bot.faq.loader import FRONT_MATTER_FENCE, dump_entry, split_front_matter, without_empty_optional
from bot.faq.models import FaqEntry


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap a line this tool did not change
    return yaml


def entry_data(entry: FaqEntry) -> dict[str, Any]:
    """The front matter as a content file holds it (empty optional fields left out; dates stay
    dates, so YAML writes them unquoted as the files do)."""
    return without_empty_optional(entry.meta.model_dump(mode="python"))


def _styled(old: Any, new: Any) -> Any:
    """A new scalar in the style of the one it replaces (folded stays folded, quoted stays quoted)."""
    if isinstance(new, str):
        if isinstance(old, FoldedScalarString):
            return FoldedScalarString(new)
        if isinstance(old, LiteralScalarString):
            return LiteralScalarString(new)
        if isinstance(old, DoubleQuotedScalarString) or (isinstance(old, str) and ": " in new):
            return DoubleQuotedScalarString(new)
    return new


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, CommentedMap) or isinstance(new, dict):
        return isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys() and all(
            _same(old[k], new[k]) for k in new)
    if isinstance(old, list) or isinstance(new, list):
        return isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and all(
            _same(a, b) for a, b in zip(old, new, strict=True))
    return str(old) == str(new)


def _update_seq(seq: CommentedSeq, new: list[Any]) -> None:
    """Turn ``seq`` into ``new`` with the fewest inserts and deletes, in place (keeps its style)."""
    keys_old = [repr(_plain(v)) for v in seq]
    keys_new = [repr(_plain(v)) for v in new]
    ops = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(ops):
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1 and all(isinstance(seq[i], dict) for i in range(i1, i2)):
            for offset in range(i2 - i1):
                _update_map(seq[i1 + offset], new[j1 + offset])
            continue
        del seq[i1:i2]
        for offset, value in enumerate(new[j1:j2]):
            seq.insert(i1 + offset, _styled(None, value))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


def _update_map(old: CommentedMap, new: dict[str, Any]) -> None:
    for key in [k for k in old if k not in new]:
        del old[key]
    previous = None
    for key, value in new.items():
        if key not in old:
            # A new field goes after the field before it in the schema's order, not at the end.
            position = list(old.keys()).index(previous) + 1 if previous in old else len(old)
            old.insert(position, key, value)
        elif not _same(old[key], value):
            if isinstance(old[key], CommentedSeq) and isinstance(value, list):
                _update_seq(old[key], value)
            elif isinstance(old[key], CommentedMap) and isinstance(value, dict):
                _update_map(old[key], value)
            else:
                old[key] = _styled(old[key], value)
        previous = key


def update_entry_text(old_text: str | None, entry: FaqEntry) -> str:
    """``entry`` as file text: the old file edited where it differs, or a fresh file when there is
    no old file (or it cannot be parsed)."""
    parts = split_front_matter(old_text) if old_text else None
    if parts is None:
        return dump_entry(entry)
    raw_meta, raw_body = parts
    yaml = _yaml()
    try:
        data = yaml.load(raw_meta)
    except Exception:
        return dump_entry(entry)
    if not isinstance(data, CommentedMap):
        return dump_entry(entry)
    _update_map(data, entry_data(entry))
    out = io.StringIO()
    yaml.dump(data, out)
    body = raw_body if raw_body.strip() == entry.body.strip() else f"{entry.body}\n"
    return f"{FRONT_MATTER_FENCE}\n{out.getvalue()}{FRONT_MATTER_FENCE}\n{body}"
