"""Running one bot as several processes: which shards a process owns and when it may identify."""

from bot.sharding.identify import (
    IDENTIFY_HOLD_SECONDS,
    IdentifyGate,
    LocalIdentifyGate,
    PostgresIdentifyGate,
    bucket_of,
    shard_of,
)

__all__ = [
    "IDENTIFY_HOLD_SECONDS",
    "IdentifyGate",
    "LocalIdentifyGate",
    "PostgresIdentifyGate",
    "bucket_of",
    "shard_of",
]
