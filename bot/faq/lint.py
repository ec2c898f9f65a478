"""Warnings about valid entries: things a reviewer should look at before members read them."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from bot.faq.models import FaqEntry
from bot.faq.render import unclipped_sizes
from bot.problems import Problem, Severity
from bot.ui import EMBED_DESCRIPTION_MAX, EMBED_FIELD_VALUE_MAX, EMBED_TOTAL_MAX

ABSOLUTE_WORDS = ("cure", "cured", "cures", "never", "always", "guaranteed", "guarantee", "miracle")
# Safe-messaging rules (content brief, section 7): stigmatising phrasing and method details.
UNSAFE_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bcommit(?:ted|s|ting)? suicide\b", "say 'died by suicide' or 'took their own life'"),
    (r"\b(?:successful|unsuccessful|failed|completed) (?:suicide )?attempts?\b", "do not rate attempts as successful or failed"),
    (r"\bsuccessful suicide\b", "do not describe suicide as successful"),
    (r"\b(?:lethal|fatal|deadly) (?:dose|amount)s?\b", "no method or lethality details"),
    (r"\bhow many (?:pills|tablets)\b", "no method or lethality details"),
    (r"\bhang(?:ing|ed)? (?:myself|yourself|themselves|himself|herself)\b", "no method details"),
    (r"\bnoose\b|\bslit\b|\bjump(?:ing|ed)? off\b", "no method details"),
    (r"\bpainless (?:way|method)s?\b", "no method details"),
    (r"\bsuicide (?:method|methods|note)s?\b", "no method details"),
    (r"\bsuicide is (?:a |the )?(?:solution|answer|way out)\b", "never present suicide as a solution"),
)


def normalise_phrase(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used to compare aliases."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def _checked_text(entry: FaqEntry) -> str:
    return f"{entry.meta.question}\n{entry.meta.summary}\n{entry.body}"


def lint_entry(entry: FaqEntry, *, label: str, today: date) -> list[Problem]:
    """Warnings a reviewer should see for one entry (stale review, thin sources...)."""
    warn: list[Problem] = []

    def add(field: str, message: str) -> None:
        warn.append(Problem(label, field, message, Severity.WARNING))

    meta = entry.meta
    if meta.review_due is not None and meta.reviewed_on is not None:
        if meta.review_due < today:
            add("review_due", f"review was due on {meta.review_due.isoformat()}: re-check the sources and dates")
        if (meta.review_due - meta.reviewed_on).days > 366:
            add("review_due", "is more than 12 months after reviewed_on")
    sizes = unclipped_sizes(entry)
    if sizes["description"] > EMBED_DESCRIPTION_MAX:
        add("body", f"summary and detail are {sizes['description']} characters; one Discord embed shows {EMBED_DESCRIPTION_MAX}")
    if sizes["sources"] > EMBED_FIELD_VALUE_MAX:
        add("sources", f"the sources list renders to {sizes['sources']} characters; a Discord field holds {EMBED_FIELD_VALUE_MAX}")
    if sizes["total"] > EMBED_TOTAL_MAX:
        add("body", f"the rendered answer is {sizes['total']} characters; a Discord embed holds {EMBED_TOTAL_MAX}")
    for match in re.finditer(r"\]\((\S+?)\)", entry.body):
        if not match.group(1).startswith("https://"):
            add("body", f"link {match.group(1)!r} must use https://")
    text = _checked_text(entry)
    lowered = text.casefold()
    for pattern, advice in UNSAFE_PHRASES:
        found = re.search(pattern, lowered)
        if found:
            add("body", f"safe messaging: {found.group(0)!r}: {advice}")
    checked = set(meta.checked_claims)
    for word in ABSOLUTE_WORDS:
        if word in checked or word.rstrip("ds") in checked:
            continue
        if re.search(rf"\b{word}\b", lowered):
            add("body", f"absolute claim {word!r}: check the sentence, then list {word!r} in checked_claims")
    unknown_related = [r for r in meta.related if r == meta.id]
    if unknown_related:
        add("related", "an entry cannot be related to itself")
    return warn


def lint_pack(entries: Iterable[FaqEntry], *, labels: dict[str, str], today: date) -> list[Problem]:
    """Warnings across entries: shared aliases and related ids that do not exist."""
    entries = list(entries)
    known = {e.id for e in entries}
    warnings: list[Problem] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        label = labels.get(entry.id, entry.id)
        warnings.extend(lint_entry(entry, label=label, today=today))
        for index, alias in enumerate(entry.meta.aliases):
            owners[normalise_phrase(alias)].append(f"{entry.id}:{index}")
        for index, related in enumerate(entry.meta.related):
            if related not in known:
                warnings.append(Problem(label, f"related.{index}", f"no entry has the id {related!r}", Severity.WARNING))
    for alias, users in owners.items():
        entry_ids = sorted({u.split(":")[0] for u in users})
        if len(entry_ids) > 1:
            for user in users:
                entry_id, index = user.split(":")
                warnings.append(
                    Problem(
                        labels.get(entry_id, entry_id),
                        f"aliases.{index}",
                        f"the alias {alias!r} is also used by {', '.join(e for e in entry_ids if e != entry_id)}",
                        Severity.WARNING,
                    )
                )
    return warnings
