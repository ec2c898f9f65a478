"""An unsure semantic crisis call in /faq: the crisis reply comes first and whole, and a button
offers the vetted answer the search found (``bot.safety.UNSURE_BELOW``).

The screen is the real care service's outcome for a crisis text, with the layer and confidence
set per test, so each case pins one part of the rule whatever the triage decides today."""

from __future__ import annotations

import json

import pytest

from bot.app import SupportApp
from bot.discord_render import build_embeds
from bot.faq.service import MISREAD
from bot.safety import UNSURE_BELOW
from tests.integration.unsure_screen import crisis_outcome, screen_with
from tests.unit.test_moderation_service import CAROL

FOG_QUESTION = "why am i so forgetful"


async def test_an_unsure_crisis_call_keeps_the_crisis_reply_and_offers_the_answer(app: SupportApp) -> None:
    outcome = await crisis_outcome(app, CAROL, layer="semantic", confidence=0.6)
    app.faq.screen = screen_with(outcome)
    decision = await app.faq.decide(CAROL, FOG_QUESTION)
    reply = decision.reply
    assert decision.kind == "safety" and reply.ephemeral
    # the crisis reply is unchanged and first: its cards, then the one short card, then the button
    assert reply.cards[:len(outcome.reply.cards)] == outcome.reply.cards
    assert reply.cards[-1].description == MISREAD
    assert len(build_embeds(reply.cards)) == len(reply.cards)  # within Discord's 6,000 characters
    assert reply.buttons[:len(outcome.reply.buttons)] == outcome.reply.buttons
    assert reply.buttons[-1].custom_id == "faq:open:fibro-fog"
    assert "Are you safe right now?" in reply.all_text()
    assert decision.offered == "fibro-fog"
    assert json.loads(json.dumps(decision.as_json()))["offered"] == "fibro-fog"
    # the button opens the entry itself
    opened = await app.faq.open(CAROL, "fibro-fog")
    assert opened.cards and "fibro fog" in opened.cards[0].title.casefold()


@pytest.mark.parametrize("changes", [
    {"layer": "semantic", "confidence": UNSURE_BELOW},  # sure enough
    {"layer": "semantic", "confidence": 0.95},
    {},  # a rule decided
    {"layer": "semantic", "confidence": 0.6, "about_someone_else": True},
    {"layer": "semantic", "confidence": 0.6, "level": "urgent"},  # red flags are never offered a way out
])
async def test_no_answer_is_offered_outside_the_unsure_crisis_band(app: SupportApp, changes: dict) -> None:
    outcome = await crisis_outcome(app, CAROL, **changes)
    app.faq.screen = screen_with(outcome)
    decision = await app.faq.decide(CAROL, FOG_QUESTION)
    assert decision.kind == "safety" and decision.offered is None
    assert decision.reply.cards == outcome.reply.cards and decision.reply.buttons == outcome.reply.buttons
    assert "offered" not in decision.as_json()


@pytest.mark.parametrize("question", [
    "I'm having thoughts of suicide. What can I do right now?",  # a safety entry: the reply has the lines
    "qwzx blorf",  # no confident answer at all
])
async def test_no_button_without_a_confident_answer_that_is_not_a_safety_entry(app: SupportApp, question: str) -> None:
    outcome = await crisis_outcome(app, CAROL, layer="semantic", confidence=0.6)
    app.faq.screen = screen_with(outcome)
    decision = await app.faq.decide(CAROL, question)
    assert decision.offered is None
    assert not any((b.custom_id or "").startswith("faq:open:") for b in decision.reply.buttons)


async def test_asking_through_the_real_screen_still_counts_a_safety_reply(app: SupportApp) -> None:
    outcome = await crisis_outcome(app, CAROL, layer="semantic", confidence=0.6)
    app.faq.screen = screen_with(outcome)
    await app.faq.ask(CAROL, FOG_QUESTION)
    await app.faq_store.drain()
    kinds = await app.db.fetchall("SELECT kind FROM faq_events")
    assert [row[0] for row in kinds] == ["safety"]  # no answer counted as served: the member saw the crisis reply
