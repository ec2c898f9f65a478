"""/faq end to end: the real client, real HTTP and gateway, every payload checked against
Discord's API description."""

from __future__ import annotations

import pytest

from .conftest import World

pytestmark = pytest.mark.e2e


def no_pings(result) -> None:
    for request in result.requests:
        body = request.json or {}
        data = body.get("data", body) if isinstance(body, dict) else {}
        if isinstance(data, dict) and "allowed_mentions" in data:
            assert data["allowed_mentions"].get("parse") == []


async def test_commands_are_synced_to_the_development_server_only(world: World) -> None:
    synced = world.fake.guild_commands.get(world.guild.id) or {}
    names = {c["name"] for c in (synced.values() if isinstance(synced, dict) else synced)}
    assert {"faq", "checkin", "mydata", "help-now", "care", "setup"} <= names
    assert not world.fake.global_commands


async def test_faq_answers_publicly_with_sources_and_buttons(world: World) -> None:
    result = await world.fake.slash("faq", question="does exercise help", user=world.alice, guild=world.guild)
    assert not result.ephemeral
    embed = result.embeds[0]
    assert embed["title"].startswith("Why is exercise recommended")
    assert any(f["name"] == "Sources" and "https://" in f["value"] for f in embed["fields"])
    assert "not medical advice" in embed["footer"]["text"]
    labels = [c.label for c in result.components]
    assert "Helpful" in labels and "Not helpful" in labels and len(labels) >= 3
    no_pings(result)


async def test_private_answers_are_ephemeral(world: World) -> None:
    result = await world.fake.slash("faq", question="what is pacing", private=True, user=world.alice)
    assert result.ephemeral and result.embeds


async def test_autocomplete_then_choosing_returns_that_entry(world: World) -> None:
    choices = await world.fake.autocomplete("faq", "question", "exerc", user=world.alice)
    assert 0 < len(choices.names) <= 25 and all(len(n) <= 100 for n in choices.names)
    picked = choices.values[0]
    result = await world.fake.slash("faq", question=picked, user=world.alice)
    entry = world.app.library.get(picked)
    assert entry is not None and result.embeds[0]["title"] == entry.question


async def test_related_button_opens_that_entry_privately(world: World) -> None:
    answer = await world.fake.slash("faq", question="does exercise help", user=world.alice)
    related = next(c for c in answer.components if c.custom_id.startswith("faq:open:"))
    opened = await world.fake.click(answer, related.custom_id, user=world.bob)
    assert opened.ephemeral and opened.embeds[0]["title"] == world.app.library.get(related.custom_id.split(":")[2]).question


async def test_no_match_is_kind_ephemeral_and_saves_only_the_words(world: World) -> None:
    result = await world.fake.slash("faq", question="recipe for banana bread @everyone", user=world.alice)
    assert result.ephemeral and "I don't have a vetted answer for that yet" in result.content
    rows = await world.app.db.fetchall("SELECT * FROM unanswered_questions")
    assert len(rows) == 1 and "banana" not in rows[0]["question"]  # encrypted at rest
    assert "banana" in world.app.faq_store.open_question(rows[0]["question"], rows[0]["guild_id"])
    assert str(world.alice.id) not in " ".join(str(v) for v in rows[0])
    no_pings(result)


async def test_feedback_vote_is_stored_as_a_salted_hash(world: World) -> None:
    answer = await world.fake.slash("faq", question="what is pacing", user=world.alice)
    vote = next(c for c in answer.components if c.label == "Not helpful")
    thanks = await world.fake.click(answer, vote.custom_id, user=world.alice)
    assert thanks.ephemeral and "Thank you" in thanks.content
    again = await world.fake.click(answer, vote.custom_id, user=world.alice)
    assert "updated" in again.content
    rows = await world.app.db.fetchall("SELECT voter_hash FROM faq_feedback")
    assert len(rows) == 1 and str(world.alice.id) not in rows[0][0]


async def test_mentions_in_questions_cannot_ping(world: World) -> None:
    result = await world.fake.slash("faq", question="@everyone <@&123> what is fibro fog", user=world.alice)
    assert result.embeds or result.content
    no_pings(result)
