"""Bot-initiated posts in the console: alerts, audit posts and DMs printed where the member is.

On Discord these go to other channels or to a member's DMs; in the console they would vanish, so
each is printed at once, labelled with where it would have gone ("the moderators' alert channel",
"the audit channel", "a direct message to bob"), using the server's settings from ``/setup``.
Buttons on a posted card stay pressable, as with :class:`~bot.notify.PrintingOutbox`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.notify import PrintingOutbox
from bot.ui import Button

if TYPE_CHECKING:
    from bot.app import SupportApp


class ConsoleOutbox(PrintingOutbox):
    """The console's outbox: posts, alerts and DMs printed with where they would go."""

    def __init__(self, app: SupportApp, say: Callable[[str], None], guild_id: int,
                 names: dict[int, str] | None = None,
                 on_buttons: Callable[[list[Button]], None] | None = None) -> None:
        super().__init__(printer=say, on_buttons=on_buttons)
        self.app = app
        self.guild_id = guild_id
        self.names = names if names is not None else {}

    async def channel_label(self, channel_id: int) -> str:
        settings = await self.app.guilds.get(self.guild_id)
        if channel_id == settings.alert_channel_id:
            return f"the moderators' alert channel (#{channel_id})"
        if channel_id == settings.audit_channel_id:
            return f"the audit channel (#{channel_id})"
        return f"channel #{channel_id}"

    def member_label(self, user_id: int) -> str:
        return self.names.get(user_id, str(user_id))
