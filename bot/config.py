"""Settings, read from the environment and an optional ``.env`` file.

Settings are built in ``main()`` and passed down; nothing reads the environment at import time,
so tests build their own ``Settings`` and never need a real token.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.db.url import DatabaseUrl, parse_database_url

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

TOKEN_HELP = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications "
    "(Bot → Reset Token), then put DISCORD_TOKEN=<your token> in a .env file in this folder "
    "(see .env.example) or in the environment."
)


class Settings(BaseSettings):
    """Every setting the bot reads. ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr | None = None
    database_path: Path = Path("data/supportbot.sqlite3")
    # Which database: ``sqlite:///path`` (then it replaces DATABASE_PATH) or ``postgresql://…``.
    # Unset: SQLite at DATABASE_PATH. With PostgreSQL, DATABASE_PATH's folder still holds the
    # key file (unless DATA_KEY or DATA_KEY_FILE say otherwise) and the console's files.
    database_url: str | None = None
    content_dir: Path = Path("content")
    dev_guild_id: int | None = Field(default=None, gt=0)
    log_level: LogLevel = "INFO"
    # Check-ins: rest days allowed in any 7 days before a streak breaks (servers may change it).
    checkin_rest_days: int = Field(default=2, ge=0, le=6)
    # Moderation: let an author approve their own proposal (only for very small groups).
    allow_self_approval: bool = False
    # Privacy: the key that encrypts health text at rest (``key[,older key]``), or the file that
    # holds it (default: next to the database, created with permissions 0600 on first start).
    data_key: SecretStr | None = None
    data_key_file: Path | None = None
    # Privacy: unanswered /faq questions (already stripped of identifying text) are kept this long.
    question_retention_days: int = Field(default=90, ge=1, le=3650)
    # Moderation: the home server, whose approved revisions and sign-offs `content export` writes
    # back to the content files (and whose moderators' reviews in those files count as its own).
    home_guild_id: int | None = Field(default=None, gt=0)
    # Channel watch: message mode needs Discord's privileged message-content intent, which only the
    # operator can switch on (here and in the developer portal). Off: the bot never asks for it.
    watch_message_content: bool = False
    # Channel watch: how many of a server's 6 AutoMod keyword rules the bot may use at most.
    watch_automod_rules: int = Field(default=4, ge=1, le=6)
    # Channel watch: events waiting to be handled; a burst beyond this is counted and reported to
    # the server's moderators, never dropped silently.
    watch_queue_max: int = Field(default=10_000, ge=1, le=1_000_000)
    # Test-only: send all Discord traffic to this base URL (the local fake Discord).
    discord_api_base: str | None = None
    # Operations: the Prometheus metrics endpoint's port on 127.0.0.1 (off when unset).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Sharding: how many gateway shards the whole bot runs (the same number in every process) and
    # which of them this process runs. Unset: one unsharded connection, as a small bot needs.
    shard_count: int | None = Field(default=None, ge=1, le=65_536)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None  # "0,1": parsed below, not as JSON
    # Reminders: how often each process looks for due reminders, and how long a claim on one lasts
    # before another process may take it over (a process that died while sending). Keep the lease
    # well under the few minutes Discord keeps a message's idempotency key.
    reminder_scan_seconds: float = Field(default=30.0, ge=0.05, le=3600)
    reminder_lease_seconds: float = Field(default=60.0, ge=1, le=120)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("dev_guild_id", "home_guild_id", "discord_api_base", "discord_token", "data_key", "data_key_file",
                     "database_url", "shard_count", "shard_ids", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _blank_port_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_api_base")
    @classmethod
    def _loopback_only(cls, value: str | None) -> str | None:
        return None if value is None else loopback_base_url(value)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        """``SHARD_IDS=0,1`` (commas or spaces) as well as a list."""
        if isinstance(value, str):
            parts = [p for p in value.replace(",", " ").split() if p]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be shard numbers separated by commas, e.g. 0,1") from None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the total number of shards, the same in every process)")
        ids = self.shard_ids
        if not ids or len(set(ids)) != len(ids) or any(not 0 <= i < self.shard_count for i in ids):
            raise ValueError(f"SHARD_IDS must be distinct numbers from 0 to {self.shard_count - 1} (SHARD_COUNT - 1)")
        self.shard_ids = tuple(sorted(ids))
        return self

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def owns_shard_zero(self) -> bool:
        """Shard 0 gets DMs and is the one process that syncs commands and posts once per bot."""
        return self.shard_ids is None or 0 in self.shard_ids

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None:
            parse_database_url(value)  # DatabaseUrlError is a ValueError: one line naming the variable
        return value

    @model_validator(mode="after")
    def _sqlite_url_sets_path(self) -> Settings:
        if self.database_url is not None:
            url = parse_database_url(self.database_url)
            if url.dialect == "sqlite":
                self.database_path = Path(url.target)
        return self

    @property
    def database(self) -> DatabaseUrl:
        """The database to open: DATABASE_URL when set, else SQLite at DATABASE_PATH."""
        if self.database_url is not None:
            url = parse_database_url(self.database_url)
            if url.dialect == "postgresql":
                return url
        return DatabaseUrl("sqlite", str(self.database_path))

    def token(self) -> str:
        """The bot token, or :class:`SettingsError` with the one-sentence how-to."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise SettingsError(TOKEN_HELP)
        return self.discord_token.get_secret_value().strip()

    @property
    def logging_level(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


LOOPBACK_HELP = "must be an http(s) URL on this machine: 127.x.x.x, localhost or [::1] (it is only for the local fake Discord)"


def loopback_base_url(value: str) -> str:
    """The URL unchanged if it names a loopback host, else ``ValueError``.

    The bot sends its token to this address, so a prefix test is not enough:
    ``http://localhost@other.host`` and ``http://localhost.other.host`` both start like a loopback
    URL and reach a remote machine. The URL is parsed, and the *host* must be an address in
    127.0.0.0/8, ``::1`` or exactly ``localhost``; user info, queries and fragments are refused.
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise ValueError(LOOPBACK_HELP) from None
    host = parts.hostname or ""
    bracketed = ":" in host
    # The network location must be exactly host[:port]: nothing before it (user info), nothing
    # glued after a bracketed address ("[::1].evil.com").
    expected = (f"[{host}]" if bracketed else host) + (f":{port}" if port is not None else "")
    if (
        parts.scheme not in {"http", "https"}
        or parts.netloc.lower() != expected
        or parts.query
        or parts.fragment
        or not _is_loopback_host(host, bracketed=bracketed)
    ):
        raise ValueError(LOOPBACK_HELP)
    return value.strip()


def _is_loopback_host(host: str, *, bracketed: bool) -> bool:
    if host == "localhost" and not bracketed:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 6:
        return bracketed and address == ipaddress.IPv6Address("::1")
    # Only the dotted-quad form: ``ip_address`` already refuses "127.1" and "0x7f.0.0.1".
    return address in ipaddress.IPv4Network("127.0.0.0/8")


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line meant for a person."""


# Settings whose value may carry a secret (a token, a key, a password inside a database URL): a
# message about a bad value names the setting but never repeats what was given.
SECRET_NAME_PARTS = ("token", "key", "password", "database_url")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a rule across settings: its message names them (never echo the input)
            raise SettingsError(str(first["msg"]).removeprefix("Value error, ") + ".") from None
        name = str(first["loc"][0]).upper()
        value = first.get("input")
        secret = any(part in name.lower() for part in SECRET_NAME_PARTS)
        shown = "" if secret else f" (got {value!r})"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is not valid: {message}{shown}.") from None
