"""Sharding for the fake Discord: the ``shard`` field of IDENTIFY, Discord's routing formula and
the identify rate limit per ``max_concurrency`` bucket, kept apart from the (large) fake itself.

Discord's rules (gateway docs, §Sharding): shard ``k`` of ``n`` receives the guilds with
``(guild_id >> 22) % n == k`` and every DM; a bad ``shard`` closes the connection with 4010, too
many guilds for one shard with 4011; ``max_concurrency`` IDENTIFYs may start per 5 s, one per
bucket ``k % max_concurrency``, and an IDENTIFY over the limit gets opcode 9 (invalid session).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IDENTIFY_WINDOW = 5.0
MAX_GUILDS_PER_SHARD = 2500


def shard_of(guild_id: int, shard_count: int) -> int:
    return (int(guild_id) >> 22) % shard_count


def parse_shard(value: Any) -> tuple[int, int] | None:
    """``[id, count]`` from an IDENTIFY (absent: ``[0, 1]``); None when Discord would close 4010."""
    if value is None:
        return 0, 1
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None
    shard_id, count = value
    return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None


@dataclass(frozen=True)
class IdentifyRecord:
    at: float  # perf_counter of the fake, when the IDENTIFY arrived
    shard_id: int
    shard_count: int
    bucket: int
    accepted: bool


@dataclass
class IdentifyLimiter:
    """Admits at most one IDENTIFY per bucket per ``window`` seconds (``window=None``: no limit,
    the fake's default, since unsharded test clients skip discord.py's pacing)."""

    max_concurrency: int = 1
    window: float | None = None
    log: list[IdentifyRecord] = field(default_factory=list)

    def bucket(self, shard_id: int) -> int:
        return shard_id % max(1, self.max_concurrency)

    def admit(self, shard_id: int, shard_count: int, now: float) -> bool:
        bucket = self.bucket(shard_id)
        last = max((r.at for r in self.log if r.accepted and r.bucket == bucket), default=None)
        accepted = self.window is None or last is None or now - last >= self.window
        self.log.append(IdentifyRecord(now, shard_id, shard_count, bucket, accepted))
        return accepted

    @property
    def rejected(self) -> int:
        return sum(not r.accepted for r in self.log)

    def min_gap(self) -> float | None:
        """The shortest time between two accepted IDENTIFYs of one bucket (None: never two)."""
        gaps: list[float] = []
        last: dict[int, float] = {}
        for record in sorted((r for r in self.log if r.accepted), key=lambda r: r.at):
            if record.bucket in last:
                gaps.append(record.at - last[record.bucket])
            last[record.bucket] = record.at
        return min(gaps) if gaps else None
