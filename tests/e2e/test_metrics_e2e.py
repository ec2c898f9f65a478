"""The metrics endpoint end to end: the real bot with ``METRICS_PORT`` set, driven through the fake
Discord, scraped over loopback in the Prometheus text format. Counters must move with real
interactions, and nothing a member typed (nor any member or server id) may appear in a scrape."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import urllib.request
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings

from .conftest import (
    Recorder,
    World,
    assert_logs_carry_no_member_text,
    e2e_settings,
    member_texts,
    open_world,
)
from .fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def scrape(url: str) -> str:
    def get() -> str:
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return response.read().decode("utf-8")

    return await asyncio.to_thread(get)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (sample name, sorted labels) -> value."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def systemd_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A notify socket as systemd would give the bot (``NOTIFY_SOCKET``), to read what it says."""
    with tempfile.TemporaryDirectory(prefix="sd") as folder:
        path = os.path.join(folder, "notify")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(path)
        listener.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        try:
            yield listener
        finally:
            listener.close()


def said(listener: socket.socket) -> list[str]:
    lines = []
    while True:
        try:
            lines.append(listener.recv(4096).decode("ascii"))
        except BlockingIOError:
            return lines


@pytest.fixture
async def metered(tmp_path: Path, fake: FakeDiscord, debug_logs: Recorder,
                  systemd_socket: socket.socket) -> AsyncIterator[World]:
    def settings(guild_id: int) -> Settings:
        return e2e_settings(tmp_path, fake, guild_id).model_copy(update={"metrics_port": free_port()})

    async with open_world(fake, settings) as world:
        yield world
    assert world.bot.metrics is None or world.bot.metrics._server is None, "the endpoint must stop with the bot"
    assert_logs_carry_no_member_text(fake, debug_logs)


async def test_counters_move_with_real_interactions_and_carry_no_member_text(
    metered: World, systemd_socket: socket.socket
) -> None:
    world = metered
    assert world.bot.metrics is not None
    url = world.bot.metrics.url
    assert url.startswith("http://127.0.0.1:")
    assert world.bot.metrics._server.server_address[0] == "127.0.0.1"  # loopback only, never 0.0.0.0
    before = samples(await scrape(url))

    answer = await world.fake.slash("faq", question="does exercise help",
                                    user=world.alice, guild=world.guild)
    assert answer.embeds
    helpful = next(c for c in answer.components if c.label == "Helpful")
    await world.fake.click(answer, helpful.custom_id, user=world.alice)
    await world.fake.autocomplete("faq", "question", "pacing marmalade", user=world.alice)
    crisis = await world.fake.slash("faq", question="i want to end my life tonight, violet harbour",
                                    user=world.bob, guild=world.guild)
    assert crisis.ephemeral

    clock = world.clock
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    offer = await world.fake.slash("checkin start", user=world.alice,
                                   options={"timezone": "Europe/London", "reminder": "20:00"})
    agree = next(c for c in offer.components if c.label.startswith("I agree"))
    await world.fake.click(offer, agree.custom_id, user=world.alice)
    clock.advance(timedelta(hours=8, minutes=1))  # the 20:00 reminder goes out one minute late
    assert (await world.app.checkins.reminders.scan(clock.now())).sent == 1

    body = await scrape(url)
    after = samples(body)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("supportbot_interactions_total", kind="command", command="faq") == 2
    assert moved("supportbot_interactions_total", kind="command", command="checkin start") == 1
    assert moved("supportbot_interactions_total", kind="button", command="faq") == 1
    assert moved("supportbot_interactions_total", kind="button", command="ci") == 1
    assert moved("supportbot_interactions_total", kind="autocomplete", command="faq") >= 1
    assert moved("supportbot_interaction_seconds_count", kind="command", command="faq") == 2
    assert moved("supportbot_interaction_seconds_sum", kind="command", command="faq") > 0
    assert moved("supportbot_triage_total", level="crisis") >= 1
    assert moved("supportbot_triage_total", level="none") >= 1
    assert moved("supportbot_reminder_lag_seconds_count") == 1
    assert moved("supportbot_reminder_lag_seconds_sum") == pytest.approx(60.0)
    assert moved("supportbot_reminder_lag_seconds_bucket", le="30.0") == 0
    assert moved("supportbot_reminder_lag_seconds_bucket", le="60.0") == 1
    assert value(after, "supportbot_event_loop_heartbeat_timestamp_seconds") > 0
    told = said(systemd_socket)  # under systemd: started, and the watchdog is fed from the loop
    assert "READY=1" in told and "WATCHDOG=1" in told
    assert told.count("READY=1") == 1

    lowered = body.lower()
    for text in member_texts(world.fake) | {"does exercise help", "violet harbour", "marmalade"}:
        assert text.lower() not in lowered, f"a scrape carries member text: {text!r}"
    for snowflake in (world.alice.id, world.bob.id, world.guild.id):
        assert str(snowflake) not in body, "a scrape carries a member or server id"
    custom_id_tail = helpful.custom_id.split(":", 1)[1]
    assert custom_id_tail not in body  # only the button's feature prefix is a label


async def test_a_database_error_in_an_interaction_is_counted(metered: World) -> None:
    world = metered
    assert world.bot.metrics is not None
    before = samples(await scrape(world.bot.metrics.url))
    # A real failure of the real database: the table behind /care region is gone.
    await world.app.db.execute("ALTER TABLE member_regions RENAME TO member_regions_away")
    try:
        reply = await world.fake.slash("care region", country="GB", user=world.alice, guild=world.guild)
    finally:
        await world.app.db.execute("ALTER TABLE member_regions_away RENAME TO member_regions")
    assert "something went wrong" in reply.text
    after = samples(await scrape(world.bot.metrics.url))
    assert value(after, "supportbot_database_errors_total", where="interaction") - value(
        before, "supportbot_database_errors_total", where="interaction") == 1
    assert value(after, "supportbot_interaction_errors_total") - value(before, "supportbot_interaction_errors_total") == 1
