"""All SQL for channel watch: settings, owned AutoMod rules, alerts, audit, false alarms, opt-outs.

No column holds message text. Portable SQL only (upserts with ``ON CONFLICT``, ISO-8601 text
timestamps), so the PostgreSQL backend can follow.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from bot.clock import Clock, from_iso, to_iso
from bot.db import Database


@dataclass(slots=True, frozen=True)
class WatchSettings:
    """One server's channel-watch settings."""

    guild_id: int
    automod: bool = False
    messages: bool = False
    oncall_role_id: int | None = None
    escalate_minutes: int = 15
    cooldown_minutes: int = 360
    automod_channel_id: int | None = None
    sync_problems: str | None = None

    @property
    def enabled(self) -> bool:
        return self.automod or self.messages


_SETTING_COLUMNS = tuple(f.name for f in fields(WatchSettings) if f.name != "guild_id")


@dataclass(slots=True, frozen=True)
class Alert:
    """One safety alert: who, where, level and rule (never the message text)."""

    id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    message_id: int | None
    level: str
    reason: str
    source: str
    phrase: str | None
    state: str
    triggers: int
    outreach: str
    card_channel_id: int | None
    card_message_id: int | None
    created_at: datetime
    last_trigger_at: datetime
    dm_sent_at: datetime | None
    claimed_by: int | None
    claimed_at: datetime | None
    closed_by: int | None
    closed_at: datetime | None
    escalated_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state in ("open", "claimed")


_ALERT_COLUMNS = tuple(f.name for f in fields(Alert))
_TIMES = {"created_at", "last_trigger_at", "dm_sent_at", "claimed_at", "closed_at", "escalated_at"}


def _alert(row: object) -> Alert:
    values = dict(zip(_ALERT_COLUMNS, row, strict=True))  # type: ignore[call-overload]
    for key in _TIMES:
        if values[key] is not None:
            values[key] = from_iso(values[key])
    return Alert(**values)


class WatchStore:
    """Channel-watch settings, alerts and opt-outs, each scoped to a server or member."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _now(self) -> str:
        return to_iso(self.clock.now())

    # -- settings ---------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> WatchSettings:
        row = await self.db.fetchone(
            f"SELECT {', '.join(_SETTING_COLUMNS)} FROM watch_settings WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return WatchSettings(guild_id)
        values = dict(zip(_SETTING_COLUMNS, row, strict=True))
        values["automod"], values["messages"] = bool(values["automod"]), bool(values["messages"])
        return WatchSettings(guild_id, **values)

    async def update(self, guild_id: int, **changes: object) -> WatchSettings:
        unknown = set(changes) - set(_SETTING_COLUMNS)
        if unknown:
            raise ValueError(f"unknown watch settings: {sorted(unknown)}")
        merged = replace(await self.settings(guild_id), **changes)  # type: ignore[arg-type]
        values = [getattr(merged, c) for c in _SETTING_COLUMNS]
        values = [int(v) if isinstance(v, bool) else v for v in values]
        cols = ", ".join(_SETTING_COLUMNS)
        marks = ", ".join("?" for _ in _SETTING_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _SETTING_COLUMNS)
        await self.db.execute(
            f"INSERT INTO watch_settings (guild_id, {cols}, updated_at) VALUES (?, {marks}, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            (guild_id, *values, self._now()),
        )
        return merged

    async def enabled_guild_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT guild_id FROM watch_settings WHERE automod = 1 OR messages = 1")
        return [int(r[0]) for r in rows]

    async def channels(self, guild_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT channel_id FROM watch_channels WHERE guild_id = ?", (guild_id,))
        return {int(r[0]) for r in rows}

    async def all_channels(self) -> dict[int, set[int]]:
        """Message mode's channels for every server (loaded once; the hot path reads memory)."""
        rows = await self.db.fetchall(
            "SELECT c.guild_id, c.channel_id FROM watch_channels c JOIN watch_settings s "
            "ON s.guild_id = c.guild_id WHERE s.messages = 1"
        )
        out: dict[int, set[int]] = {}
        for guild_id, channel_id in rows:
            out.setdefault(int(guild_id), set()).add(int(channel_id))
        return out

    async def set_channel(self, guild_id: int, channel_id: int, watched: bool) -> None:
        if watched:
            await self.db.execute(
                "INSERT INTO watch_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (guild_id, channel_id),
            )
        else:
            await self.db.execute(
                "DELETE FROM watch_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            )

    # -- owned AutoMod rules ----------------------------------------------------------------

    async def owned_rules(self, guild_id: int) -> dict[int, int]:
        """Slot -> AutoMod rule id."""
        rows = await self.db.fetchall(
            "SELECT slot, rule_id FROM watch_automod_rules WHERE guild_id = ? ORDER BY slot", (guild_id,)
        )
        return {int(s): int(r) for s, r in rows}

    async def own_rule(self, guild_id: int, slot: int, rule_id: int) -> None:
        await self.db.execute(
            "INSERT INTO watch_automod_rules (guild_id, slot, rule_id) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, slot) DO UPDATE SET rule_id = excluded.rule_id",
            (guild_id, slot, rule_id),
        )

    async def disown_rule(self, guild_id: int, slot: int) -> None:
        await self.db.execute("DELETE FROM watch_automod_rules WHERE guild_id = ? AND slot = ?", (guild_id, slot))

    async def owns_rule(self, rule_id: int) -> int | None:
        """The server that owns AutoMod rule ``rule_id``, if it is one of the bot's."""
        value = await self.db.fetchval("SELECT guild_id FROM watch_automod_rules WHERE rule_id = ?", (rule_id,))
        return int(value) if value is not None else None

    # -- alerts -----------------------------------------------------------------------------

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self.db.fetchone(f"SELECT {', '.join(_ALERT_COLUMNS)} FROM watch_alerts WHERE id = ?", (alert_id,))
        return _alert(row) if row else None

    async def latest_for(self, guild_id: int, user_id: int) -> Alert | None:
        row = await self.db.fetchone(
            f"SELECT {', '.join(_ALERT_COLUMNS)} FROM watch_alerts WHERE guild_id = ? AND user_id = ? "
            "ORDER BY last_trigger_at DESC, id DESC LIMIT 1",
            (guild_id, user_id),
        )
        return _alert(row) if row else None

    async def last_dm(self, guild_id: int, user_id: int) -> datetime | None:
        value = await self.db.fetchval(
            "SELECT MAX(dm_sent_at) FROM watch_alerts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return from_iso(value) if value else None

    async def create(
        self, *, guild_id: int, user_id: int, channel_id: int | None, message_id: int | None, level: str,
        reason: str, source: str, phrase: str | None, outreach: str, dm_sent: bool,
    ) -> Alert:
        moment = self.clock.now()
        now = to_iso(moment)
        alert_id = await self.db.insert(
            "INSERT INTO watch_alerts (guild_id, user_id, channel_id, message_id, level, reason, source, phrase, "
            "state, triggers, outreach, created_at, last_trigger_at, dm_sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?)",
            (guild_id, user_id, channel_id, message_id, level, reason, source, phrase, outreach, now, now,
             now if dm_sent else None),
        )
        # The row as written (no read back: an alert is on the hot path of a raid).
        stamp = from_iso(now)
        return Alert(alert_id, guild_id, user_id, channel_id, message_id, level, reason, source, phrase, "open", 1,
                     outreach, None, None, stamp, stamp, stamp if dm_sent else None, None, None, None, None, None)

    async def retrigger(self, alert_id: int, *, channel_id: int | None, message_id: int | None,
                        reason: str, phrase: str | None) -> None:
        await self.db.execute(
            "UPDATE watch_alerts SET triggers = triggers + 1, last_trigger_at = ?, channel_id = ?, "
            "message_id = ?, reason = ?, phrase = ? WHERE id = ?",
            (self._now(), channel_id, message_id, reason, phrase, alert_id),
        )

    async def finish(self, alert: Alert, outreach: str, *, dm_sent: bool, card: tuple[int, int] | None) -> Alert:
        """Record the outreach's result and the card's place in one write; the alert as it now is."""
        channel, message = card if card is not None else (None, None)
        now = self._now()
        await self.db.execute(
            "UPDATE watch_alerts SET outreach = ?, dm_sent_at = ?, card_channel_id = ?, card_message_id = ? "
            "WHERE id = ?",
            (outreach, now if dm_sent else None, channel, message, alert.id),
        )
        return replace(alert, outreach=outreach, dm_sent_at=from_iso(now) if dm_sent else None,
                       card_channel_id=channel, card_message_id=message)

    async def set_card(self, alert_id: int, channel_id: int, message_id: int | None) -> None:
        await self.db.execute(
            "UPDATE watch_alerts SET card_channel_id = ?, card_message_id = ? WHERE id = ?",
            (channel_id, message_id, alert_id),
        )

    async def transition(self, alert_id: int, *, expect: tuple[str, ...], state: str, actor_id: int,
                         action: str) -> bool:
        """Move an alert from one of ``expect`` to ``state`` and audit it; False if it had moved on
        (two moderators pressing at once: only the first wins)."""
        now = self._now()
        who = "claimed_by = ?, claimed_at = ?" if state == "claimed" else "closed_by = ?, closed_at = ?, phrase = NULL"
        marks = ", ".join("?" for _ in expect)
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE watch_alerts SET state = ?, {who} WHERE id = ? AND state IN ({marks})",
                (state, actor_id, now, alert_id, *expect),
            )
            if changed:
                guild = await tx.fetchone("SELECT guild_id FROM watch_alerts WHERE id = ?", (alert_id,))
                await tx.insert(
                    "INSERT INTO watch_audit (alert_id, guild_id, actor_id, action, at) VALUES (?, ?, ?, ?, ?)",
                    (alert_id, guild[0] if guild else 0, actor_id, action, now),
                )
        return bool(changed)

    async def audit(self, alert_id: int, guild_id: int, actor_id: int | None, action: str) -> None:
        await self.db.insert(
            "INSERT INTO watch_audit (alert_id, guild_id, actor_id, action, at) VALUES (?, ?, ?, ?, ?)",
            (alert_id, guild_id, actor_id, action, self._now()),
        )

    async def history(self, alert_id: int) -> list[tuple[int | None, str, datetime]]:
        rows = await self.db.fetchall(
            "SELECT actor_id, action, at FROM watch_audit WHERE alert_id = ? ORDER BY id", (alert_id,)
        )
        return [(r[0], str(r[1]), from_iso(r[2])) for r in rows]

    async def recent_actions(self, guild_id: int, since: datetime, limit: int = 10) -> list[tuple[int, int | None, str, datetime]]:
        """The latest audited actions in a server: (alert id, actor id or None for the bot, action, when)."""
        rows = await self.db.fetchall(
            "SELECT alert_id, actor_id, action, at FROM watch_audit WHERE guild_id = ? AND at >= ? "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, to_iso(since), limit),
        )
        return [(int(r[0]), r[1], str(r[2]), from_iso(r[3])) for r in rows]

    async def due_for_escalation(self, before: datetime) -> list[Alert]:
        """Unclaimed, never escalated alerts created before ``before`` (any server)."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join(_ALERT_COLUMNS)} FROM watch_alerts "
            "WHERE state = 'open' AND escalated_at IS NULL AND created_at <= ? ORDER BY id",
            (to_iso(before),),
        )
        return [_alert(r) for r in rows]

    async def mark_escalated(self, alert_id: int) -> bool:
        changed = await self.db.execute(
            "UPDATE watch_alerts SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL AND state = 'open'",
            (self._now(), alert_id),
        )
        return bool(changed)

    async def record_false_alarm(self, guild_id: int, reason: str, phrase: str | None) -> None:
        await self.db.insert(
            "INSERT INTO watch_false_alarms (guild_id, reason, phrase, at) VALUES (?, ?, ?, ?)",
            (guild_id, reason, phrase, self._now()),
        )

    async def false_alarm_counts(self, guild_id: int, since: datetime) -> list[tuple[str, str | None, int]]:
        rows = await self.db.fetchall(
            "SELECT reason, phrase, COUNT(*) FROM watch_false_alarms WHERE guild_id = ? AND at >= ? "
            "GROUP BY reason, phrase ORDER BY COUNT(*) DESC, reason, phrase",
            (guild_id, to_iso(since)),
        )
        return [(str(r[0]), r[1], int(r[2])) for r in rows]

    async def alert_counts(self, guild_id: int, since: datetime) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT state, COUNT(*) FROM watch_alerts WHERE guild_id = ? AND created_at >= ? GROUP BY state",
            (guild_id, to_iso(since)),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    # -- the member's own data ---------------------------------------------------------------

    async def is_quiet(self, user_id: int) -> bool:
        return await self.db.fetchval("SELECT 1 FROM watch_quiet WHERE user_id = ?", (user_id,)) is not None

    async def set_quiet(self, user_id: int, quiet: bool) -> None:
        if quiet:
            await self.db.execute(
                "INSERT INTO watch_quiet (user_id, since) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
                (user_id, self._now()),
            )
        else:
            await self.db.execute("DELETE FROM watch_quiet WHERE user_id = ?", (user_id,))

    async def alerts_about(self, user_id: int) -> int:
        return int(await self.db.fetchval("SELECT COUNT(*) FROM watch_alerts WHERE user_id = ?", (user_id,)) or 0)

    async def export_member(self, user_id: int) -> dict[str, object] | None:
        """Every row about the member, every column (for /mydata export)."""
        alerts = await self.db.fetchall("SELECT * FROM watch_alerts WHERE user_id = ? ORDER BY id", (user_id,))
        quiet = await self.db.fetchall("SELECT * FROM watch_quiet WHERE user_id = ?", (user_id,))
        if not alerts and not quiet:
            return None
        return {"alerts": [{k: r[k] for k in r.keys() if k != "user_id"} for r in alerts],  # noqa: SIM118
                "quiet": [{k: r[k] for k in r.keys() if k != "user_id"} for r in quiet]}  # noqa: SIM118

    async def delete_member(self, user_id: int) -> int:
        async with self.db.transaction() as tx:
            removed = await tx.execute("DELETE FROM watch_alerts WHERE user_id = ?", (user_id,))
            removed += await tx.execute("DELETE FROM watch_quiet WHERE user_id = ?", (user_id,))
        return removed
