"""How an FAQ entry looks to a member: one card, sources linked, reviewer and disclaimer below."""

from __future__ import annotations

from bot.faq.models import FaqEntry
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


def source_lines(entry: FaqEntry) -> list[str]:
    return [
        f"[{s.title}]({s.url}) ({s.publisher}, {s.year})" if s.url else f"{s.title} ({s.publisher}, {s.year})"
        for s in entry.meta.sources
    ]


def description(entry: FaqEntry) -> str:
    return f"**{entry.meta.summary}**\n\n{entry.body}"


def footer(entry: FaqEntry) -> str:
    reviewed = entry.meta.reviewed_on.strftime("%d %b %Y").lstrip("0")
    return f"Reviewed by {entry.meta.reviewed_by} on {reviewed}. {DISCLAIMER}"


def answer_card(entry: FaqEntry) -> Card:
    """The answer card. Long text is clipped to Discord's limits here, never rejected by Discord;
    ``content check`` warns moderators before an entry ever gets that long."""
    sources = "\n".join(f"• {line}" for line in source_lines(entry))
    return Card(
        title=clip(entry.question, EMBED_TITLE_MAX),
        description=clip(description(entry), EMBED_DESCRIPTION_MAX),
        fields=[Field("Sources", clip(sources, EMBED_FIELD_VALUE_MAX))],
        footer=clip(footer(entry), EMBED_FOOTER_MAX),
        colour=Colour.INFO,
    )


def unclipped_sizes(entry: FaqEntry) -> dict[str, int]:
    """Sizes before clipping, for the lint that warns about answers too long for an embed."""
    sources = "\n".join(f"• {line}" for line in source_lines(entry))
    desc = description(entry)
    total = len(entry.question) + len(desc) + len("Sources") + len(sources) + len(footer(entry))
    return {"description": len(desc), "sources": len(sources), "total": total}
