"""Moderation's custom ids (``mod:…``): every button and form of ``/faq-admin``, one codec each.

A custom id is not a permission: the service re-checks the moderator right on every press, and
every revision, gap or entry it names is looked up in the pressing moderator's own server.
Categories travel as their index in :data:`bot.faq.models.CATEGORY_ORDER` (``k``: keep the
entry's own), so an id stays short; entry ids are content slugs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.customid import HEX, ROW_ID, SLUG, Family, Int, Kind, Marker, Maybe, OneOf, Pattern
from bot.faq.models import CATEGORY_ORDER

KEEP = "k"  # an edit that keeps the entry's category
CATEGORY = OneOf(KEEP, *(str(i) for i in range(len(CATEGORY_ORDER))))
PAGE = Int(0, 10_000)
WALK_FROM = Pattern(r"-|[a-z0-9]+(?:-[a-z0-9]+)*", most=80)  # "-": from the first entry
MODE = OneOf("new", "edit")


@dataclass(frozen=True, slots=True)
class OpenNew:
    """Open an empty proposal form in a category."""

    code: str


@dataclass(frozen=True, slots=True)
class OpenEdit:
    """Open the proposal form pre-filled with an entry."""

    code: str
    entry: str


@dataclass(frozen=True, slots=True)
class SubmitNew:
    """The proposal form for a new entry, submitted."""

    code: str


@dataclass(frozen=True, slots=True)
class SubmitEdit:
    """The proposal form for an edit of ``entry``, submitted."""

    code: str
    entry: str


@dataclass(frozen=True, slots=True)
class Again:
    """Reopen a form that did not validate, with what the moderator typed."""

    mode: str
    code: str
    entry: str | None


@dataclass(frozen=True, slots=True)
class Approve:
    """Approve draft ``rev``; ``signed``: also sign the entry off."""

    rev: int
    signed: bool


@dataclass(frozen=True, slots=True)
class DraftAction:
    """A button about one draft: ``reject`` (opens the reason form), ``why`` (that form
    submitted), ``show`` (full view / diff) or ``preview`` (as members see it)."""

    action: str
    rev: int


@dataclass(frozen=True, slots=True)
class GapAction:
    """An unanswered question: ``gap`` answers it with a proposal, ``dismiss`` deletes it."""

    action: str
    row: int


@dataclass(frozen=True, slots=True)
class History:
    """A page of an entry's revision history."""

    page: int
    entry: str


@dataclass(frozen=True, slots=True)
class SignOff:
    """"I checked the text and sources": ``fingerprint`` is what the moderator saw."""

    entry: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Walk:
    """The next entry to review after ``after`` (``-``: the first)."""

    after: str


OPEN_NEW = Kind(OpenNew, "mod:open:new:{code}", code=CATEGORY)
OPEN_EDIT = Kind(OpenEdit, "mod:open:edit:{code}:{entry}", code=CATEGORY, entry=SLUG)
SUBMIT_NEW = Kind(SubmitNew, "mod:form:new:{code}", code=CATEGORY)
SUBMIT_EDIT = Kind(SubmitEdit, "mod:form:edit:{code}:{entry}", code=CATEGORY, entry=SLUG)
AGAIN = Kind(Again, "mod:again:{mode}:{code}:{entry}", mode=MODE, code=CATEGORY,
             entry=Maybe(SLUG, trailing=True))
APPROVE = Kind(Approve, "mod:approve:{rev}:{signed}", rev=ROW_ID, signed=Marker("signed"))
DRAFT = Kind(DraftAction, "mod:{action}:{rev}", action=OneOf("reject", "why", "show", "preview"), rev=ROW_ID)
GAP = Kind(GapAction, "mod:{action}:{row}", action=OneOf("gap", "dismiss"), row=ROW_ID)
HISTORY = Kind(History, "mod:hist:{page}:{entry}", page=PAGE, entry=SLUG)
SIGN_OFF = Kind(SignOff, "mod:so:{entry}:{fingerprint}", entry=SLUG, fingerprint=HEX)
WALK = Kind(Walk, "mod:walk:{after}", after=WALK_FROM)

EXPIRED = "That button no longer works. Please run the command again."
MODERATION_IDS = Family("mod", [OPEN_NEW, OPEN_EDIT, SUBMIT_NEW, SUBMIT_EDIT, AGAIN, APPROVE, DRAFT, GAP,
                                HISTORY, SIGN_OFF, WALK], EXPIRED)
