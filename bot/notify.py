"""Messages the bot starts itself (audit posts, moderator alerts, reminder DMs).

Features hand a :class:`~bot.ui.Reply` to an :class:`Outbox`; the Discord client delivers it to a
channel or a member's DMs, the console prints it. Features never touch discord.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.ui import Reply


class Delivery(StrEnum):
    SENT = "sent"
    DMS_CLOSED = "dms_closed"  # Discord error 50007 or 50278: DMs closed, or no server shared any more
    FAILED = "failed"


class Outbox:
    """Where bot-initiated messages go. This base keeps them in memory (console, tests)."""

    def __init__(self) -> None:
        self.channel_posts: list[tuple[int, Reply]] = []
        self.member_posts: list[tuple[int, Reply]] = []
        self.closed_dms: set[int] = set()

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        self.channel_posts.append((channel_id, reply))
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply) -> Delivery:
        if user_id in self.closed_dms:
            return Delivery.DMS_CLOSED
        self.member_posts.append((user_id, reply))
        return Delivery.SENT


@dataclass(slots=True)
class PrintingOutbox(Outbox):
    """The console's outbox: shows what would have been posted, and where."""

    printer: object = field(default=print)

    def __post_init__(self) -> None:
        Outbox.__init__(self)

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        from bot.console.render import render

        await super().to_channel(channel_id, reply)
        text, _ = render(reply)
        self.printer(f"[posted to channel {channel_id}]\n{text}")  # type: ignore[operator]
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply) -> Delivery:
        from bot.console.render import render

        result = await super().to_member(user_id, reply)
        if result is Delivery.SENT:
            text, _ = render(reply)
            self.printer(f"[direct message to member {user_id}]\n{text}")  # type: ignore[operator]
        return result
