"""What a reviewer reads: the file text of an entry, a unified diff, and what changed in words.

Diffs are taken on the *file text* (``dump_entry``), the same text a pull request would show, so
a moderator reviewing in Discord and one reviewing in git see the same change.
"""

from __future__ import annotations

import difflib
import hashlib
import json

from bot.faq.loader import dump_entry
from bot.faq.models import FaqEntry
from bot.ui import plural

FENCE = "```"
_FENCE_SAFE = "``\u200b`"  # a zero-width space stops text inside the diff from closing the block

# Entry fields in the words moderators use in the form (and in the history).
FIELD_NAMES: dict[str, str] = {
    "question": "question",
    "aliases": "other ways to ask",
    "summary": "short answer",
    "body": "detail",
    "sources": "sources",
    "category": "category",
    "tags": "tags",
    "related": "related entries",
    "status": "status",
}


def content_hash(entry: FaqEntry | None) -> str | None:
    """A fingerprint of what an entry says (front matter and body), not of how its file is laid out."""
    if entry is None:
        return None
    data = {"meta": entry.meta.model_dump(mode="json"), "body": entry.body}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def entry_text(entry: FaqEntry | None) -> str:
    """An entry as comparable text (empty for none), for diffs and hashes."""
    return "" if entry is None else dump_entry(entry)


def unified(old_text: str, new_text: str, *, old_label: str, new_label: str) -> str:
    """A unified diff with one line of context; empty when nothing changed."""
    lines = difflib.unified_diff(
        old_text.splitlines(), new_text.splitlines(), fromfile=old_label, tofile=new_label, lineterm="", n=1
    )
    return "\n".join(lines)


def code_block(diff: str, limit: int, *, more_hint: str = "") -> str:
    """The diff inside a ```diff block of at most ``limit`` characters, cut at a line boundary so
    the closing fence always survives (a cut fence would swallow the rest of the message)."""
    body = diff.replace(FENCE, _FENCE_SAFE) or "(no changes to the text)"
    opening, closing = f"{FENCE}diff\n", f"\n{FENCE}"
    if len(opening) + len(body) + len(closing) <= limit:
        return f"{opening}{body}{closing}"
    lines = body.split("\n")
    kept: list[str] = []
    used = len(opening) + len(closing)
    for index, line in enumerate(lines):
        note = f"… {plural(len(lines) - index, 'more line', 'more lines')}{more_hint}"
        room = limit - used - len(note) - 2
        if len(line) + 1 > room:
            if not kept and room > 20:  # one huge line: show its start rather than nothing
                kept.append(line[: room - 1] + "…")
            kept.append(note)
            break
        kept.append(line)
        used += len(line) + 1
    text = f"{opening}{chr(10).join(kept)}{closing}"
    return text if len(text) <= limit else text[: max(0, limit - len(closing))] + closing


def changed_fields(old: FaqEntry | None, new: FaqEntry) -> list[str]:
    """The fields a moderator would say changed (review dates are not a change of text)."""
    if old is None:
        return []
    before = old.meta.model_dump()
    after = new.meta.model_dump()
    names: list[str] = []
    for key, name in FIELD_NAMES.items():
        differs = old.body != new.body if key == "body" else before.get(key) != after.get(key)
        if differs:
            names.append(_status_change(str(after.get(key))) if key == "status" else name)
    return names


def _status_change(new_status: str) -> str:
    """What a status change did, in words: "status" alone does not say whether an edit brings a
    retired entry back or takes it away."""
    return "retires it" if new_status.endswith("retired") else "brings it back"
