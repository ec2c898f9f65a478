"""The vetted FAQ entry: front matter schema and the loaded entry.

The schema is strict (``extra="forbid"``): a typo in a field name is an error, not a silently
ignored key, because a health answer that lost its sources or review date must not be served.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SUMMARY_MAX = 300
QUESTION_MAX = 200
ALIAS_MAX = 100

Category = Literal[
    "basics", "diagnosis", "causes", "treatment", "self-care", "back-pain", "living", "care",
    "safety", "about",
]
Status = Literal["published", "draft", "retired"]
CATEGORY_ORDER: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SLUG_RE.pattern, max_length=80)]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    publisher: Text
    year: int = Field(ge=1900, le=2100)
    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")]


class FrontMatter(BaseModel):
    """Exactly the fields allowed in a content file's YAML front matter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=QUESTION_MAX)]
    aliases: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=ALIAS_MAX)]]
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]]
    category: Category
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=SUMMARY_MAX)]
    related: list[Slug] = Field(default_factory=list)
    checked_claims: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]] = Field(
        default_factory=list
    )
    sources: list[Source] = Field(min_length=1)
    reviewed_by: Text
    reviewed_on: date
    review_due: date
    status: Status
    # Safety entries (crisis lines, red flags...): retiring or changing one always needs a second
    # moderator, even where self-approval is allowed, because losing one silently removes care.
    protected: bool = False

    @field_validator("aliases", "tags")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        seen: set[str] = set()
        for value in values:
            key = value.casefold()
            if key in seen:
                raise ValueError(f"{value!r} is listed twice")
            seen.add(key)
        return values

    @model_validator(mode="after")
    def _dates_in_order(self) -> FrontMatter:
        if self.review_due <= self.reviewed_on:
            raise ValueError("review_due must be after reviewed_on")
        return self


class FaqEntry(BaseModel):
    """A loaded entry: its front matter, its Markdown body and where it came from."""

    model_config = ConfigDict(frozen=True)

    meta: FrontMatter
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    pack: str
    origin: str = "file"  # "file", or "database" for a revision published from Discord

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def question(self) -> str:
        return self.meta.question

    @property
    def published(self) -> bool:
        return self.meta.status == "published"

    def same_content(self, other: FaqEntry) -> bool:
        """Equal as a moderator would judge: front matter and body, wherever they came from."""
        return self.meta == other.meta and self.body == other.body
