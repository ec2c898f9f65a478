"""The rule file schema and the triage outcome (see :mod:`bot.care.triage` for the format)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator


class Level(StrEnum):
    """How urgently a message needs a human; ordered from most to least urgent."""

    CRISIS = "crisis"
    URGENT = "urgent"
    CLINICIAN = "clinician"
    NONE = "none"


CACHE_SIZE = 4096
CACHE_TEXT_MAX = 500  # long texts (notes) are rarely repeated word for word
_PRECEDENCE = {Level.CRISIS: 0, Level.URGENT: 1, Level.CLINICIAN: 2, Level.NONE: 3}
URGENT_TOPICS = ("emergency", "same-day")


@dataclass(frozen=True, slots=True)
class Triage:
    """The outcome for one message.

    ``rule`` is the id of the rule that matched; ``topic`` is "emergency"/"same-day" for urgent
    and a related FAQ entry id (or None) for clinician; ``detail`` names what was recognised in
    plain words that are safe to show the member. ``layer``, ``confidence`` and ``family`` say
    which layer decided and how sure it was, so moderators can review a result.
    """

    level: Level
    rule: str | None = None
    topic: str | None = None
    detail: str | None = None
    layer: str | None = None  # "rule" or "semantic": which layer decided (None: nothing found)
    confidence: float | None = None  # 1.0 for a rule; the semantic layer's margin as 0-1
    family: str | None = None  # semantic: the nearest exemplar family, for reviewers
    gentle: bool = False  # near crisis but below its threshold: a gentle private note, no block


NOTHING = Triage(Level.NONE)


def remembered(cache: dict[str, Triage], text: str, classify: Callable[[str], Triage]) -> Triage:
    """``classify(text)``, kept in ``cache`` per text (up to ``CACHE_SIZE`` texts of at most
    ``CACHE_TEXT_MAX`` characters; a full cache starts again empty)."""
    if len(text) > CACHE_TEXT_MAX:
        return classify(text)
    found = cache.get(text)
    if found is None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        found = cache[text] = classify(text)
    return found

# --------------------------------------------------------------------------------------------
# File schema
# --------------------------------------------------------------------------------------------

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
ClassName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LexiconSpec(_Strict):
    """Spelling and slang a rule file normalises before matching."""

    replace: dict[str, Text] = {}
    fuzzy: dict[str, Annotated[int, Field(ge=1, le=2)]] = {}


class TopicWhen(_Strict):
    """Phrases that point a triage result at one FAQ topic."""

    topic: Slug
    when: list[Text] = Field(min_length=1)


class RuleSpec(_Strict):
    """One reviewed triage rule, as written in a safety file."""

    id: Slug
    level: Literal["crisis", "urgent", "clinician"]
    detail: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    topic: Slug | None = None
    topics: list[TopicWhen] = []
    patterns: list[Text] = []
    regex: list[Text] = []
    context: list[Text] = []
    except_: list[Text] = Field(default=[], alias="except")
    examples: list[Text] = Field(min_length=1)
    not_examples: list[Text] = []
    note: str | None = None

    @model_validator(mode="after")
    def _level_rules(self) -> RuleSpec:
        if not self.patterns and not self.regex:
            raise ValueError("a rule needs at least one entry in patterns or regex")
        if self.level == "crisis" and (self.topic or self.topics):
            raise ValueError("crisis rules take no topic: the crisis reply never links FAQ entries")
        if self.level == "urgent":
            if self.topic not in URGENT_TOPICS:
                raise ValueError(f"urgent rules need topic: {' or '.join(URGENT_TOPICS)}")
            if self.topics:
                raise ValueError("urgent rules take a single topic, not topics")
        return self


class Reviewed(_Strict):
    """What every reviewed safety file (rules, exemplars) opens with: who reviewed it and when."""

    reviewed_by: Annotated[str, StringConstraints(min_length=2, max_length=100)]
    reviewed_on: date
    review_due: date
    about: str | None = None


class SafetyFile(Reviewed):
    """A whole reviewed safety rule file (schema-checked before anything is compiled)."""

    classes: dict[ClassName, list[Text]] = {}
    idioms: list[Text] = []
    lexicon: LexiconSpec | None = None
    # Checked one by one against RuleSpec, so one broken rule never hides the others.
    rules: list[dict[str, Any]] = []


