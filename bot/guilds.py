"""Per-server settings set by admins with /setup: default country, moderator role, channels."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.clock import Clock, to_iso
from bot.db import Database


@dataclass(slots=True, frozen=True)
class GuildSettings:
    """One server's settings (country, moderator role, channels, check-in rules)."""

    guild_id: int
    default_country: str | None = None
    moderator_role_id: int | None = None
    alert_channel_id: int | None = None
    audit_channel_id: int | None = None
    allow_self_approval: bool = False
    rest_days: int | None = None


_COLUMNS = tuple(f.name for f in fields(GuildSettings) if f.name != "guild_id")


class GuildSettingsStore:
    """Every server's settings, read and changed per server only."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The server's settings; defaults for a server that never ran /setup (or a DM)."""
        if guild_id is None:
            return GuildSettings(guild_id=0)
        row = await self.db.fetchone(f"SELECT {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        values = dict(zip(_COLUMNS, row, strict=True))
        values["allow_self_approval"] = bool(values["allow_self_approval"])
        return GuildSettings(guild_id=guild_id, **values)

    async def update(self, guild_id: int, **changes: object) -> GuildSettings:
        """Set some fields, leaving the others as they are (an upsert)."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown guild settings: {sorted(unknown)}")
        current = await self.get(guild_id)
        merged = {name: changes.get(name, getattr(current, name)) for name in _COLUMNS}
        merged["allow_self_approval"] = int(bool(merged["allow_self_approval"]))
        columns = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS)
        await self.db.execute(
            f"INSERT INTO guild_settings (guild_id, {columns}, updated_at) VALUES (?, {marks}, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            (guild_id, *(merged[c] for c in _COLUMNS), to_iso(self.clock.now())),
        )
        return await self.get(guild_id)
