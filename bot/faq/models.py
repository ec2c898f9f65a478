"""The vetted FAQ entry: front matter schema and the loaded entry.

The schema is strict (``extra="forbid"``): a typo in a field name is an error, not a silently
ignored key, because a health answer that lost its sources or review date must not be served.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlsplit

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
Review = Literal["drafted", "reviewed"]
# Characters that would let a link end early or start another one when rendered as Markdown
# ("https://a.example/)[text](https://b.example"), or that no real link contains unencoded.
URL_FORBIDDEN = frozenset("()[]<>\\`\"' |{}^")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CATEGORY_ORDER: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SLUG_RE.pattern, max_length=80)]


class Source(BaseModel):
    """One cited source of an FAQ entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    publisher: Text
    year: int = Field(ge=1900, le=2100)
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

    @field_validator("url")
    @classmethod
    def _safe_https_link(cls, value: str) -> str:
        """Only ``https://`` links to a real host, with nothing that could break out of a Markdown
        link when the answer is rendered: anything else is an error, never a warning."""
        if not value.startswith("https://"):
            raise ValueError("must be a web link starting with https:// (http and other schemes are not accepted)")
        bad = sorted({c for c in value if c in URL_FORBIDDEN or ord(c) < 33 or ord(c) == 127})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            raise ValueError(f"contains characters a link cannot hold ({shown}); percent-encode them, e.g. %28 for '('")
        try:
            parts = urlsplit(value)
            host, port, credentials = parts.hostname or "", parts.port, parts.username or parts.password
        except ValueError:
            host, port, credentials = "", None, None
        if credentials:
            raise ValueError("must not contain a user name or password")
        if not HOST_RE.match(host) or port == 0:
            raise ValueError("must name a real web host after https:// (for example https://www.nhs.uk/...)")
        return value


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
    # Honest review state: "drafted" (written from the sources, not yet reviewed by the home
    # community) or "reviewed", which needs who reviewed it, when, and when it is due again.
    review: Review = "drafted"
    reviewed_by: Text | None = None
    reviewed_on: date | None = None
    review_due: date | None = None
    status: Status
    # Safety entries (crisis lines, red flags...): retiring or changing one always needs a second
    # moderator, even where self-approval is allowed, because losing one silently removes care.
    protected: bool = False

    @model_validator(mode="before")
    @classmethod
    def _infer_review(cls, data: object) -> object:
        """Files written before review states existed name a reviewer: they read as reviewed."""
        if isinstance(data, dict) and "review" not in data and data.get("reviewed_by"):
            return {**data, "review": "reviewed"}
        return data

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
    def _review_complete(self) -> FrontMatter:
        given = [n for n in ("reviewed_by", "reviewed_on", "review_due") if getattr(self, n) is not None]
        if self.review == "reviewed":
            missing = [n for n in ("reviewed_by", "reviewed_on", "review_due") if n not in given]
            if missing:
                raise ValueError(f"review: reviewed needs {', '.join(missing)}")
            assert self.review_due is not None and self.reviewed_on is not None
            if self.review_due <= self.reviewed_on:
                raise ValueError("review_due must be after reviewed_on")
        elif given:
            raise ValueError(f"review: drafted must not name {', '.join(given)}: set review: reviewed once a "
                             "moderator has checked the entry, or remove them")
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
