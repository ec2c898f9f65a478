"""Messages the bot starts itself (audit posts, moderator alerts, reminder DMs).

Features hand a :class:`~bot.ui.Reply` to an :class:`Outbox`; the Discord client delivers it to a
channel or a member's DMs, the console prints it. Features never touch discord.py.
"""

from __future__ import annotations

from enum import StrEnum

from bot.ui import Reply


class Delivery(StrEnum):
    SENT = "sent"
    DMS_CLOSED = "dms_closed"  # Discord error 50007: the member does not accept DMs from the bot
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
