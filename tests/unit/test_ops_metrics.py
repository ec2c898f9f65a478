"""The metrics module's rules: bounded label values, what counts as a database error, the setting,
and systemd's notify protocol over a real socket."""

from __future__ import annotations

import os
import socket
import sqlite3
import tempfile
from types import SimpleNamespace

import pytest

from bot.config import SettingsError, load_settings
from bot.db import DatabaseError
from bot.faq.buttons import FAQ_IDS
from bot.ops import metrics
from bot.ops.systemd import notify
from bot.router import Router


def test_metrics_port_is_off_when_blank_and_checked_when_set() -> None:
    assert load_settings(_env_file=None, metrics_port="").metrics_port is None
    assert load_settings(_env_file=None, metrics_port="9464").metrics_port == 9464
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        load_settings(_env_file=None, metrics_port="0")
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        load_settings(_env_file=None, metrics_port="http")


def test_database_errors_are_recognised_through_their_causes() -> None:
    assert metrics.is_database_error(sqlite3.OperationalError("no such table"))
    assert metrics.is_database_error(DatabaseError("cannot open"))
    try:
        try:
            raise sqlite3.IntegrityError("constraint")
        except sqlite3.Error as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        assert metrics.is_database_error(outer)
    assert not metrics.is_database_error(ValueError("a member's words"))
    assert not metrics.is_database_error(None)


def test_triage_levels_outside_the_five_words_are_not_labels() -> None:
    before = metrics.TRIAGE.labels("other")._value.get()
    metrics.triage_level("i want to die")  # a bug passing text would still not reach a label
    assert metrics.TRIAGE.labels("other")._value.get() == before + 1
    names = {s.labels.get("level") for f in metrics.REGISTRY.collect() for s in f.samples if f.name == "supportbot_triage"}
    assert names <= metrics.TRIAGE_LEVELS | {"other", None}


def component(kind: str, custom_id: str, client: object) -> SimpleNamespace:
    return SimpleNamespace(type=SimpleNamespace(name=kind), data={"custom_id": custom_id}, response=None,
                           client=client)


def test_component_labels_are_the_feature_prefix_of_owned_ids_only() -> None:
    router = Router()

    async def handler(*_: object) -> None:
        return None

    router.add(FAQ_IDS, handler)  # type: ignore[arg-type]
    bot = SimpleNamespace(app=SimpleNamespace(router=router))
    assert metrics.component_label(bot, component("component", "faq:vote:pacing:up", bot)) == ("button", "faq")
    assert metrics.component_label(component("modal_submit", "faq:form:123456789", bot)) == ("form", "faq")
    assert metrics.component_label(bot, component("component", "someone-elses-button", bot)) is None
    assert metrics.component_label(bot, component("application_command", "faq:x", bot)) is None
    assert metrics.component_label(bot) is None  # no interaction among the arguments: not counted


def test_notify_speaks_systemds_protocol_and_is_silent_outside_it() -> None:
    assert notify("READY=1", None) is False
    with tempfile.TemporaryDirectory(prefix="sd") as folder:
        path = os.path.join(folder, "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
            listener.bind(path)
            assert notify("READY=1", path) is True
            assert listener.recv(64) == b"READY=1"
        assert notify("WATCHDOG=1", path) is False  # nobody listens any more: a warning, no crash
