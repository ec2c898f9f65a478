"""Faults Discord really produces: gateway drops, invalid sessions, rate limits, server errors,
closed DMs and expired interactions. The bot must recover, or fail kindly, and never crash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import World

pytestmark = pytest.mark.e2e

CALLBACK = "POST /interactions/{id}/{token}/callback"


async def still_answers(world: World) -> None:
    result = await world.fake.slash("faq", question="what is pacing", user=world.alice)
    assert result.embeds and result.embeds[0]["title"] == world.app.library.get("pacing").question


@pytest.mark.parametrize("code", [1000, 1006, 4000])
async def test_gateway_close_then_resume_and_answer(world: World, code: int) -> None:
    resumes = world.fake.resume_count
    await world.fake.close_gateway(code)
    await world.fake.wait_until(lambda: world.fake.resume_count > resumes, 5, "RESUME")
    assert world.fake.identify_count == 1
    await still_answers(world)


async def test_interaction_sent_while_disconnected_is_replayed_on_resume(world: World) -> None:
    await world.fake.close_gateway(1006, hold=True)
    pending = await world.fake.slash("faq", question="what is fibro fog", user=world.alice, wait=False)
    world.fake.release_gateway()
    await pending.wait()
    assert pending.embeds and "fog" in pending.embeds[0]["title"].lower()


async def test_invalid_session_leads_to_a_fresh_identify(world: World) -> None:
    await world.fake.invalid_session(resumable=False)
    await world.fake.wait_until(lambda: world.fake.identify_count >= 2, 10, "second IDENTIFY")
    await world.fake.wait_until(lambda: world.bot.is_ready(), 5, "ready again")
    await still_answers(world)


async def test_rate_limited_callback_is_waited_out(world: World) -> None:
    world.fake.rate_limit(CALLBACK, retry_after=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await world.fake.slash("faq", question="does exercise help", user=world.alice, timeout=10)
    assert result.embeds and loop.time() - started >= 0.3
    assert [r.status for r in world.fake.requests_to(CALLBACK)][-2:] == [429, 200]


async def test_server_error_on_a_followup_is_retried(world: World) -> None:
    await world.app.checkins.store.enroll(world.alice.id, world.guild.id, "Europe/London", None, None)
    await world.fake.slash("checkin log", pain=4, user=world.alice)
    world.fake.server_error("PATCH /webhooks/*/*/messages/@original")
    world.fake.server_error("POST /webhooks/*/*")
    result = await world.fake.slash("checkin stats", user=world.alice, timeout=15)
    await world.fake.wait_until(lambda: bool(result.files), 10, "the chart")
    assert result.deferred and result.files[0].data.startswith(b"\x89PNG")
    statuses = [r.status for r in world.fake.requests if "/webhooks/" in r.path]
    assert 500 in statuses and statuses[-1] in (200, 204)


async def test_closed_dms_are_handled_and_the_member_is_told(world: World) -> None:
    clock = world.clock
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await world.app.checkins.store.enroll(world.bob.id, world.guild.id, "Europe/London", "20:00",
                                         datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    world.fake.set_dms_closed(world.bob)
    clock.advance(timedelta(hours=9))
    assert (await world.app.checkins.reminders.scan(clock.now())).dms_closed == 1
    assert world.bot.is_ready()
    told = await world.fake.slash("checkin pause", days=2, user=world.bob)
    assert "DMs" in told.text


async def test_expired_interaction_does_not_crash_the_bot(world: World) -> None:
    world.fake.expire_interactions(times=2)  # the answer, then the error reply, both refused
    result = await world.fake.slash("faq", question="what is pacing", user=world.alice, wait=False)
    await world.fake.wait_until(lambda: len(world.fake.requests_to(CALLBACK)) >= 2, 5, "two refused callbacks")
    assert result.embeds == []
    assert world.bot.is_ready()
    await still_answers(world)


async def test_unexpected_error_gets_a_kind_reply_with_a_code(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire: secret note text")

    monkeypatch.setattr(world.app.faq, "ask", broken)  # the cog calls the service method it holds
    result = await world.fake.slash("faq", question="anything", user=world.alice)
    assert result.ephemeral and "something went wrong on my side" in result.content
    assert "secret note" not in result.content and "Traceback" not in result.content
