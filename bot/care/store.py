"""All SQL for care: a member's own country for crisis lines (private, deletable)."""

from __future__ import annotations

from bot.clock import Clock, to_iso
from bot.db import Database


class RegionStore:
    """Each member's chosen country for crisis lines (one row per member, deletable)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, user_id: int) -> str | None:
        value = await self.db.fetchval("SELECT country FROM member_regions WHERE user_id = ?", (user_id,))
        return str(value) if value else None

    async def set(self, user_id: int, country: str) -> None:
        await self.db.execute(
            "INSERT INTO member_regions (user_id, country, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET country = excluded.country, updated_at = excluded.updated_at",
            (user_id, country, to_iso(self.clock.now())),
        )

    async def delete(self, user_id: int) -> int:
        return await self.db.execute("DELETE FROM member_regions WHERE user_id = ?", (user_id,))
