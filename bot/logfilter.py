"""Logs stay free of health data whatever logging set-up runs the bot.

``setup_logging`` is not the only way the bot runs: a test runner, a process manager or a host
application may configure logging at DEBUG with their own handlers. So, on import of the ``bot``
package (see ``bot/__init__.py``), this module installs two guards that act on every record,
whichever handler later writes it:

* **discord.py payload logging** — ``discord.gateway`` logs every gateway event *with its
  payload* at DEBUG (an interaction payload carries the note and scores a member typed);
  ``discord.http``, ``discord.webhook`` and ``discord.state`` log request and response bodies.
  Their DEBUG records are dropped by a filter on those loggers, and emptied before any filter
  runs, so not even a handler that bypasses logger filters sees the payload.
* **member text** — every free text a member sends is screened by the safety triage first
  (:meth:`bot.app.SupportApp.screen`), which also calls :func:`remember_member_text`. A record
  whose message or traceback contains one of the recent member texts is emptied (its message
  replaced, its arguments and traceback removed). The texts are held in memory only, a bounded
  number of them, and never written anywhere.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import OrderedDict
from typing import Any

PAYLOAD_LOGGERS = ("discord.gateway", "discord.http", "discord.webhook", "discord.webhook.async_",
                   "discord.webhook.sync", "discord.state", "discord.voice_state")
PAYLOAD_REMOVED = "[discord.py payload not logged]"
TEXT_REMOVED = "[a log record carrying a member's text was removed]"
MIN_TEXT = 8  # shorter texts ("ok", "error") would blank unrelated records and identify no one
KEEP_TEXTS = 2048

_texts: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()
_installed = False


def remember_member_text(text: str) -> None:
    """Mark a member's free text: any log record that would carry it is emptied."""
    parts = {p.strip() for p in (text, *text.splitlines())}  # a form's fields arrive joined by lines
    with _lock:
        for cleaned in parts:
            if len(cleaned) < MIN_TEXT:
                continue
            _texts[cleaned] = None
            _texts.move_to_end(cleaned)
        while len(_texts) > KEEP_TEXTS:
            _texts.popitem(last=False)


def _is_payload(record: logging.LogRecord) -> bool:
    return record.levelno <= logging.DEBUG and record.name.startswith(PAYLOAD_LOGGERS)


def _carries_member_text(record: logging.LogRecord) -> bool:
    with _lock:
        texts = list(_texts)
    if not texts:
        return False
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: judge the raw parts
        message = f"{record.msg} {record.args}"
    parts = [message]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    blob = "\n".join(parts)
    return any(text in blob for text in texts)


def _empty(record: logging.LogRecord, message: str) -> None:
    record.msg = message
    record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Empty a record that carries a payload or a member's text; others pass unchanged."""
    if _is_payload(record):
        _empty(record, PAYLOAD_REMOVED)
    elif _carries_member_text(record):
        _empty(record, TEXT_REMOVED)
    return record


class DropPayloads(logging.Filter):
    """On discord.py's payload loggers: their DEBUG records are not written at all."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _is_payload(record) and record.msg != PAYLOAD_REMOVED


def install() -> None:
    """Idempotent: wrap the record factory once and put the filter on the payload loggers."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).addFilter(DropPayloads())
    _installed = True
