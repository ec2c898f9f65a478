"""What channel watch shows: the moderators' alert card, the member's outreach DM, the privacy note.

The card never carries message text: the member's mention, a jump link, the level and why (a
crisis rule id or "semantic"), and what moderators have done. Custom ids are built by :mod:`bot.watch.buttons`.
"""

from __future__ import annotations

from datetime import datetime

from bot.ui import Button, Card, Colour, Field, Reply, Style
from bot.watch.buttons import ALERT_ACTION
from bot.watch.store import Alert

OUTREACH = {
    "pending": "Sending a private message…",
    "sent": "They were sent a private message with crisis lines.",
    "dms_closed": "**They did not get a private message: their DMs are closed.** Please reach out another way.",
    "failed": "**Discord would not deliver the private message.** Please reach out another way.",
    "opted_out": "No private message: they asked not to get them (`/care quiet`).",
    "cooldown": "No new private message: they got one recently.",
}
STATE = {"open": "Open", "claimed": "Someone is reaching out", "resolved": "Resolved", "false_alarm": "False alarm"}

PRIVACY = (
    "**What the bot notices in this server's channels**\n\n"
    "{modes}\n\n"
    "If it notices something, a moderator is told who and where (a link to the message), how urgent "
    "it looked and which of the bot's reviewed rules matched — never what you wrote. You may get a "
    "private message with crisis lines. The bot stores no message text; moderators' notes on an alert "
    "are who looked at it and when.\n\n"
    "• `/care quiet` stops those private messages (moderators may still check in).\n"
    "• `/mydata` shows what is stored about you and deletes it."
)
MODE_OFF = "Channel watch is **off** in this server: the bot only sees what you send to it in commands."
MODE_AUTOMOD = (
    "• **Discord AutoMod**: Discord checks messages against a list of phrases the bot keeps, and tells "
    "the bot only which phrase matched. The bot never receives your message."
)
MODE_MESSAGES = (
    "• **Message check** in {channels}: the bot reads new messages there in memory with its safety "
    "check, and forgets them at once."
)


def _ts(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:f>"


def jump_link(alert: Alert) -> str | None:
    """A link to the flagged message, when Discord gave its ids."""
    if alert.channel_id is None:
        return None
    if alert.message_id is None:
        return f"https://discord.com/channels/{alert.guild_id}/{alert.channel_id}"
    return f"https://discord.com/channels/{alert.guild_id}/{alert.channel_id}/{alert.message_id}"


def alert_card(alert: Alert) -> Reply:
    """The moderators' alert card with claim and outcome buttons."""
    why = "semantic (the safety check's meaning match)" if alert.reason == "semantic" else f"rule `{alert.reason}`"
    via = "Discord AutoMod" if alert.source == "automod" else "message check"
    link = jump_link(alert)
    fields = [
        Field("Member", f"<@{alert.user_id}>", inline=True),
        Field("Level", alert.level, inline=True),
        Field("Why", f"{why}, via {via}", inline=True),
        Field("Where", f"[Jump to the message]({link})" if link else "unknown channel", inline=False),
        Field("Outreach", OUTREACH.get(alert.outreach, alert.outreach), inline=False),
    ]
    status = STATE.get(alert.state, alert.state)
    if alert.claimed_by is not None and alert.claimed_at is not None:
        status += f" — <@{alert.claimed_by}> since {_ts(alert.claimed_at)}"
    if alert.state in ("resolved", "false_alarm") and alert.closed_by is not None and alert.closed_at is not None:
        status += f" — by <@{alert.closed_by}>, {_ts(alert.closed_at)}"
    fields.append(Field("Status", status, inline=False))
    if alert.triggers > 1:
        fields.append(Field("Repeats", f"{alert.triggers} triggers, last {_ts(alert.last_trigger_at)}", inline=False))
    card = Card(
        title=f"Safety alert #{alert.id}",
        description=f"Someone may need support. Raised {_ts(alert.created_at)}. The message text is not shown here.",
        fields=fields,
        colour=Colour.CRISIS if alert.is_open else Colour.NEUTRAL,
        footer="Press “I'm reaching out” so others know someone is on it.",
    )
    buttons: list[Button] = []
    if alert.is_open:
        if alert.state == "open":
            buttons.append(Button("I'm reaching out", ALERT_ACTION("claim", alert.id), Style.PRIMARY))
        buttons.append(Button("Resolved", ALERT_ACTION("resolve", alert.id), Style.SUCCESS))
        buttons.append(Button("False alarm", ALERT_ACTION("false", alert.id), Style.SECONDARY))
    return Reply(cards=[card], buttons=buttons, ephemeral=False)


def outreach_dm(lines: Reply, channel_id: int | None) -> Reply:
    """Warm words, the member's crisis lines (the fields of the /help-now reply) and /help-now."""
    where = f" in <#{channel_id}>" if channel_id else ""
    fields = [f for card in lines.cards for f in card.fields]
    card = Card(
        title="Checking in with you",
        description=(
            f"Something you posted{where} made me want to check you're okay. I'm a bot: I haven't copied "
            "your message anywhere, though a moderator may check in with you too. If things feel like too "
            "much right now, you don't have to carry it alone — the people below are there to listen, any "
            "time.\n\n"
            "**If you are in danger right now, please call your emergency number.**\n\n"
            "`/help-now` brings these lines back whenever you need them, and can let a moderator know "
            "you'd like support. If you'd rather not get messages like this, `/care quiet` stops them."
        ),
        fields=fields,
        colour=Colour.CARE,
    )
    return Reply(cards=[card], ephemeral=False)


def escalation(alerts: list[Alert], role_id: int | None, minutes: int) -> Reply:
    """The one ping to the on-call role for alerts nobody claimed."""
    who = f"<@&{role_id}> " if role_id else ""
    if len(alerts) == 1:
        link = jump_link(alerts[0])
        text = (f"{who}Safety alert #{alerts[0].id} has waited {minutes} minutes and nobody has said they're "
                "reaching out yet. Could someone take it?" + (f" Message: {link}" if link else ""))
    else:
        ids = ", ".join(f"#{a.id}" for a in alerts[:30]) + (" …" if len(alerts) > 30 else "")
        text = (f"{who}{len(alerts)} safety alerts have waited {minutes} minutes and nobody has said they're "
                f"reaching out yet: {ids}. Could someone take them?")
    return Reply(content=text, ephemeral=False, ping_role=role_id)
