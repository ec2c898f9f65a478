"""Logging that never carries secrets or health data.

Code logs ids, counts and error codes, never what a member typed. As a second line of defence a
filter masks anything shaped like a Discord token before a record is written.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-]{23,28}\.[A-Za-z0-9_\-]{6,7}\.[A-Za-z0-9_\-]{27,}")


class RedactTokens(logging.Filter):
    """A log filter that removes anything shaped like a Discord token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_SHAPE.search(message):
            record.msg = TOKEN_SHAPE.sub("[token removed]", message)
            record.args = None
        return True


class DropVoiceNotices(logging.Filter):
    """The bot has no voice features; discord.py's notice about missing voice libraries is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: int, path: Path | None = None) -> None:
    """Log records to stderr, or to ``path`` when given (the interactive console, where stderr
    shares the screen with the replies and a warning would land in the middle of one)."""
    handler: logging.Handler
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    else:
        handler = logging.StreamHandler()  # stderr
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    handler.addFilter(DropVoiceNotices())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py logs every gateway event at DEBUG, payloads included: keep it at INFO at most.
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
    logging.getLogger("discord.http").setLevel(max(level, logging.WARNING))
