"""Messages the bot starts itself (audit posts, moderator alerts, reminder DMs).

Features hand a :class:`~bot.ui.Reply` to an :class:`Outbox`; the Discord client delivers it to a
channel or a member's DMs, the console prints it. Features never touch discord.py.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from bot.ui import Button, Reply


class Delivery(StrEnum):
    """What became of one bot-initiated message."""

    SENT = "sent"
    DMS_CLOSED = "dms_closed"  # Discord error 50007 or 50278: DMs closed, or no server shared any more
    FAILED = "failed"


class Outbox:
    """Where bot-initiated messages go. This base keeps them in memory (console, tests)."""

    def __init__(self) -> None:
        self.channel_posts: list[tuple[int, Reply]] = []
        self.member_posts: list[tuple[int, Reply]] = []
        self.closed_dms: set[int] = set()
        self._last_id = 0
        self.edits: list[tuple[int, int, Reply]] = []
        self._nonces: set[tuple[int, str]] = set()

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        self.channel_posts.append((channel_id, reply))
        return Delivery.SENT

    async def post(self, channel_id: int, reply: Reply) -> int | None:
        """Post to a channel and return the message id (for a later :meth:`edit`); None if it failed."""
        if await self.to_channel(channel_id, reply) is not Delivery.SENT:
            return None
        self._last_id += 1
        return self._last_id

    async def edit(self, channel_id: int, message_id: int, reply: Reply) -> Delivery:
        """Replace a message the bot posted (an alert card after a repeat trigger)."""
        self.edits.append((channel_id, message_id, reply))
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply, *, nonce: str | None = None) -> Delivery:
        """A DM. ``nonce`` is an idempotency key: Discord sends one message per key, however often
        it is asked (a reminder retried after a crash); this in-memory outbox does the same."""
        if user_id in self.closed_dms:
            return Delivery.DMS_CLOSED
        if nonce is not None:
            if (user_id, nonce) in self._nonces:
                return Delivery.SENT
            self._nonces.add((user_id, nonce))
        self.member_posts.append((user_id, reply))
        return Delivery.SENT


class PrintingOutbox(Outbox):
    """The console's outbox: shows what would have been posted, and where."""

    def __init__(self, printer: Callable[[str], object] = print,
                 on_buttons: Callable[[list[Button]], None] | None = None) -> None:
        super().__init__()
        self.printer = printer
        self.on_buttons = on_buttons  # the console makes a posted card's buttons pressable

    def _offer(self, reply: Reply) -> None:
        if self.on_buttons is not None and reply.buttons:
            self.on_buttons(reply.buttons)

    async def channel_label(self, channel_id: int) -> str:
        """How a channel is named in the printed header (the console names its alert and audit channels)."""
        return f"channel {channel_id}"

    def member_label(self, user_id: int) -> str:
        return str(user_id)

    def _print(self, header: str, reply: Reply) -> None:
        from bot.console.render import render

        text, _ = render(reply)
        self.printer(f"[{header}]\n{text}")

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        await super().to_channel(channel_id, reply)
        self._print(f"posted in {await self.channel_label(channel_id)}", reply)
        self._offer(reply)
        return Delivery.SENT

    async def edit(self, channel_id: int, message_id: int, reply: Reply) -> Delivery:
        await super().edit(channel_id, message_id, reply)
        self._print(f"updated message {message_id} in {await self.channel_label(channel_id)}", reply)
        self._offer(reply)
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply, *, nonce: str | None = None) -> Delivery:
        before = len(self.member_posts)
        result = await super().to_member(user_id, reply, nonce=nonce)
        if result is Delivery.SENT and len(self.member_posts) > before:
            self._print(f"direct message to member {self.member_label(user_id)}", reply)
        return result
