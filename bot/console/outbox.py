"""Bot-initiated posts in the console: alerts, audit posts and DMs printed where the member is.

On Discord these go to other channels or to a member's DMs; in the console they would vanish, so
each is printed at once, labelled with where it would have gone ("the moderators' alert channel",
"the audit channel", "a direct message to bob"), using the server's settings from ``/setup``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.app import SupportApp
from bot.console.render import render
from bot.notify import Delivery, Outbox
from bot.ui import Reply


class ConsoleOutbox(Outbox):
    def __init__(self, app: SupportApp, say: Callable[[str], None], guild_id: int,
                 names: dict[int, str] | None = None) -> None:
        super().__init__()
        self.app = app
        self.say = say
        self.guild_id = guild_id
        self.names = names if names is not None else {}

    async def channel_label(self, channel_id: int) -> str:
        settings = await self.app.guilds.get(self.guild_id)
        if channel_id == settings.alert_channel_id:
            return f"the moderators' alert channel (#{channel_id})"
        if channel_id == settings.audit_channel_id:
            return f"the audit channel (#{channel_id})"
        return f"channel #{channel_id}"

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        await super().to_channel(channel_id, reply)
        text, _ = render(reply)
        self.say(f"── posted in {await self.channel_label(channel_id)} ──\n{text}\n── end of post ──")
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply) -> Delivery:
        result = await super().to_member(user_id, reply)
        if result is Delivery.SENT:
            text, _ = render(reply)
            who = self.names.get(user_id, f"member {user_id}")
            self.say(f"── direct message to {who} ──\n{text}\n── end of message ──")
        return result
