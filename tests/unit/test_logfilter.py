"""The log guards installed on import of the bot package, under any logging set-up."""

from __future__ import annotations

import logging
import secrets

import pytest

import bot  # noqa: F401 - importing the package installs the guards
from bot.logfilter import PAYLOAD_REMOVED, TEXT_REMOVED, remember_member_text


def test_a_record_carrying_member_text_is_emptied_at_any_level(caplog: pytest.LogCaptureFixture) -> None:
    note = f"my knees are bad today {secrets.token_hex(4)}"
    remember_member_text(note)
    caplog.set_level(logging.DEBUG)
    some = logging.getLogger("some.library")
    some.debug("handling %s", {"note": note})
    some.warning("value was " + note)
    try:
        raise ValueError(f"bad input {note!r}")
    except ValueError:
        some.exception("failed")
    assert len(caplog.records) == 3
    for record in caplog.records:
        assert record.getMessage() == TEXT_REMOVED and record.exc_info is None
    assert note not in caplog.text


def test_discord_payload_debug_records_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("discord", "discord.gateway", "discord.http"):  # as verbose as a host could set them
        caplog.set_level(logging.DEBUG, logger=name)
    logging.getLogger("discord.gateway").debug("For Shard ID %s: WebSocket Event: %s", None, {"t": "INTERACTION_CREATE"})
    logging.getLogger("discord.http").debug("POST %s with %s", "/x", '{"content": "note"}')
    logging.getLogger("discord.gateway").info("Shard ID %s has connected to Gateway", None)
    messages = [r.getMessage() for r in caplog.records]
    assert "INTERACTION_CREATE" not in caplog.text and "note" not in caplog.text
    assert all(m != PAYLOAD_REMOVED for m in messages)  # dropped, not just emptied
    assert messages == ["Shard ID None has connected to Gateway"]


def test_ordinary_records_pass_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("bot.test").info("reminders: %d sent", 3)
    assert caplog.records[0].getMessage() == "reminders: 3 sent"
