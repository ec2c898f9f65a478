"""How an FAQ entry looks to a member: one card, sources linked, its review state and disclaimer below.

Sources are rendered from their structured fields (title, publisher, year, link), never from
text a moderator typed as Markdown: titles and publishers are escaped, and links were validated
as plain ``https://`` addresses, so no source can add a link or formatting of its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.faq.models import FaqEntry, Source
from bot.faq.review import ReviewStatus
from bot.ui import (
    DISCLAIMER,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    Card,
    Colour,
    Field,
    clip,
)

_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<])")
NOT_REVIEWED = "Written from the sources above; not yet reviewed by this server's moderators."


def escape_markdown(text: str) -> str:
    """Text shown literally in Discord's Markdown (no links, emphasis, headings or masked URLs)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


@lru_cache(maxsize=4096)
def source_line(source: Source) -> str:
    """One source as Markdown (sources are immutable, so each is rendered once)."""
    return f"[{escape_markdown(source.title)}]({source.url}) ({escape_markdown(source.publisher)}, {source.year})"


def source_lines(entry: FaqEntry) -> list[str]:
    """An entry's sources, one line each."""
    return [source_line(s) for s in entry.meta.sources]


def description(entry: FaqEntry) -> str:
    """An entry's answer text with its sources, for the answer card."""
    return f"**{entry.meta.summary}**\n\n{entry.body}"


def _day(value: object) -> str:
    return value.strftime("%d %b %Y").lstrip("0") if hasattr(value, "strftime") else str(value)


def review_line(entry: FaqEntry, review: ReviewStatus | None) -> str:
    """The review state in the words a member reads. Without a state (the command-line preview)
    the file's own metadata is used."""
    if review is None:
        meta = entry.meta
        if meta.review != "reviewed":
            return NOT_REVIEWED
        return f"Reviewed by {meta.reviewed_by} on {_day(meta.reviewed_on)}."
    if review.state == "drafted":
        return NOT_REVIEWED
    text = f"Reviewed by this server's moderators ({review.by}) on {_day(review.on)}."
    if review.state == "due":
        text += " A new review is due."
    return text


def footer(entry: FaqEntry, review: ReviewStatus | None = None) -> str:
    """The answer card's footer: review state, disclaimer and the entry id."""
    return f"{review_line(entry, review)} {DISCLAIMER}"


def answer_card(entry: FaqEntry, review: ReviewStatus | None = None) -> Card:
    """The answer card. Long text is clipped to Discord's limits here, never rejected by Discord;
    ``content check`` warns moderators before an entry ever gets that long."""
    sources = "\n".join(f"• {line}" for line in source_lines(entry))
    return Card(
        title=clip(entry.question, EMBED_TITLE_MAX),
        description=clip(description(entry), EMBED_DESCRIPTION_MAX),
        fields=[Field("Sources", clip(sources, EMBED_FIELD_VALUE_MAX))],
        footer=clip(footer(entry, review), EMBED_FOOTER_MAX),
        colour=Colour.INFO,
    )


def unclipped_sizes(entry: FaqEntry) -> dict[str, int]:
    """Sizes before clipping, for the lint that warns about answers too long for an embed."""
    sources = "\n".join(f"• {line}" for line in source_lines(entry))
    desc = description(entry)
    longest_footer = max(len(footer(entry)), len(f"Reviewed by this server's moderators ({'x' * 64}) on "
                                                 f"30 Sep 2026. A new review is due. {DISCLAIMER}"))
    total = len(entry.question) + len(desc) + len("Sources") + len(sources) + longest_footer
    return {"description": len(desc), "sources": len(sources), "total": total}
