"""systemd's notify protocol, so systemd knows when the bot is up and restarts it if it hangs.

Why: systemd has no health check of its own. With ``Type=notify`` the unit counts as started only
once the bot has loaded its safety set, content and database (``READY=1``), and with
``WatchdogSec=`` systemd restarts a bot whose event loop stops ticking (``WATCHDOG=1`` is sent by
the same heartbeat the metrics endpoint reports). Outside systemd ``NOTIFY_SOCKET`` is unset and
every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify_socket() -> str | None:
    """The socket systemd gave this process, read when needed (never at import)."""
    return os.environ.get("NOTIFY_SOCKET") or None


def notify(state: str, path: str | None) -> bool:
    """Send one state line (``READY=1``, ``WATCHDOG=1``…) to systemd; False when not under it."""
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path  # "@name": the abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("ascii"))
    except OSError as exc:
        log.warning("could not notify systemd (%s)", type(exc).__name__)
        return False
    return True
