"""A check-in note the semantic layer read as crisis but was unsure of: the scores are saved, the
note is not, the crisis reply comes first and whole, and a card under the lines tells a member
who was only describing their day that they were perhaps misread (``bot.safety.UNSURE_BELOW``).

The screen is the real care service's outcome for a crisis text, with the layer and confidence
set per test, so each case pins one part of the rule whatever the triage decides today."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app import SupportApp
from bot.checkins.service import NOTE_MISREAD
from bot.discord_render import build_embeds
from bot.safety import UNSURE_BELOW, SafetyOutcome
from bot.ui import Actor
from tests.integration.test_checkins import opt_in
from tests.integration.unsure_screen import crisis_outcome, screen_with

MEMBER = Actor(user_id=4242, display_name="Sam", guild_id=1)
NOTE = "shower wiped me out"  # a day described, taken for crisis


async def test_an_unsure_crisis_note_keeps_the_reply_and_says_it_may_have_misread(
        app: SupportApp, monkeypatch: pytest.MonkeyPatch) -> None:
    await opt_in(app, MEMBER)
    outcome = await crisis_outcome(app, MEMBER, layer="semantic", confidence=0.6)
    monkeypatch.setattr(app.checkins.core, "screen", screen_with(outcome, NOTE))
    reply = await app.checkins.log_checkin(MEMBER, pain=6, fatigue=8, note=NOTE)
    assert reply.ephemeral
    assert reply.content is not None and reply.content.startswith("What you wrote matters")
    assert "**Saved:** your check-in for today (pain 6, fatigue 8). **Not saved:** your note" in reply.content
    assert NOTE_MISREAD not in reply.content  # never above the lines
    assert reply.cards[:len(outcome.reply.cards)] == outcome.reply.cards
    assert reply.cards[-1].description == NOTE_MISREAD
    assert reply.buttons == outcome.reply.buttons
    # no region set, so every country's lines: the card still fits in Discord's 6,000 characters
    assert len(build_embeds(reply.cards)) == len(reply.cards)
    [row] = await app.checkins.store.checkins(MEMBER.user_id)
    assert (row.pain, row.fatigue, row.note) == (6, 8, None)


@pytest.mark.parametrize("changes", [
    {},  # a rule decided
    {"layer": "semantic", "confidence": UNSURE_BELOW},  # sure enough
    {"layer": "semantic", "confidence": 0.95},
    {"layer": "semantic", "confidence": 0.6, "about_someone_else": True},
])
async def test_no_misread_card_outside_the_unsure_band(
        app: SupportApp, monkeypatch: pytest.MonkeyPatch, changes: dict) -> None:
    await opt_in(app, MEMBER)
    outcome = await crisis_outcome(app, MEMBER, **changes)
    monkeypatch.setattr(app.checkins.core, "screen", screen_with(outcome, NOTE))
    reply = await app.checkins.log_checkin(MEMBER, pain=6, note=NOTE)
    assert NOTE_MISREAD not in reply.all_text()
    assert reply.cards == outcome.reply.cards and reply.buttons == outcome.reply.buttons
    [row] = await app.checkins.store.checkins(MEMBER.user_id)
    assert (row.pain, row.note) == (6, None)


def test_unsure_means_a_semantic_crisis_call_below_the_bar_about_the_member() -> None:
    from bot.ui import Reply

    base = SafetyOutcome(level="crisis", rule=None, reply=Reply.text("lines"), layer="semantic", confidence=0.6)
    assert base.unsure
    assert not dataclasses.replace(base, confidence=UNSURE_BELOW).unsure
    assert not dataclasses.replace(base, layer="rule", confidence=1.0, rule="suicidal-intent").unsure
    assert not dataclasses.replace(base, level="urgent").unsure
    assert not dataclasses.replace(base, about_someone_else=True).unsure
    assert not dataclasses.replace(base, confidence=None).unsure
