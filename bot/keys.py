"""The data key: where it comes from, proving it opens this database, and rotating it.

The key is never stored in the database. It comes from ``DATA_KEY`` (``key[,older key]``) or
from a key file (``DATA_KEY_FILE``, by default next to the database), created with permissions
0600 on first start. The database holds only a *check value* encrypted with the key, so a wrong
key is refused at start-up instead of writing notes no one can read again, and a missing key
file is refused when the database already holds data encrypted with it.

The feedback-vote salt lives in ``app_secrets`` *encrypted* with the data key: whoever has the
database file alone cannot hash member ids to re-identify votes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock, to_iso
from bot.crypto import DataKeyError, DecryptError, Keyring, generate_key, is_encrypted
from bot.db import Database

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

CHECK_NAME = "data_key_check"
CHECK_PLAIN = "supportbot data key check"
SALT_NAME = "feedback_salt"


def _context(name: str) -> str:
    return f"app_secrets:{name}"


def key_file_path(settings: Settings) -> Path | None:
    """Where the key file lives; None for an in-memory database (a key for this process only)."""
    if settings.data_key_file is not None:
        return settings.data_key_file
    if str(settings.database_path) == ":memory:":
        return None
    return settings.database_path.with_suffix(".key")


class RunLock:
    """Running bots hold a shared lock on ``<database>.lock``; rotation takes it exclusively, so
    a key is never rotated under a running bot (which would keep writing with the old key)."""

    def __init__(self, database: Path | str) -> None:
        self.path = None if str(database) == ":memory:" else Path(f"{database}.lock")
        self._handle: int | None = None

    def share(self) -> None:
        self._take(fcntl.LOCK_SH)

    def exclusive(self) -> None:
        try:
            self._take(fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.release()
            raise DataKeyError("the bot is running on this database; stop it before rotating the key") from None

    def try_exclusive(self) -> bool:
        """Take the lock exclusively if no bot holds it (restore); False while one runs."""
        try:
            self._take(fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.release()
            return False
        return True

    def _take(self, mode: int) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._handle, mode)

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing drops the lock (a killed process drops it too)
            self._handle = None


def write_key_file(path: Path, keys: list[str]) -> None:
    """Write key lines with permissions 0600, atomically (a crash leaves the old file or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write("\n".join(keys) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_key_file(path: Path) -> Keyring:
    """The keyring in a key file; a missing or unreadable file stops start-up."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DataKeyError(f"the data key file {path} can be read by other users (mode {mode:o}); "
                           f"run `chmod 600 {path}` and start again")
    try:
        return Keyring.from_text(path.read_text(encoding="ascii"))
    except (DataKeyError, UnicodeDecodeError) as exc:
        raise DataKeyError(f"the data key file {path} is not valid: {exc}") from None


class KeyStore:
    """All SQL for ``app_secrets``: the key check value and the encrypted vote salt."""

    def __init__(self, db: Database, clock: Clock, keyring: Keyring | None = None) -> None:
        self.db = db
        self.clock = clock
        self.keyring = keyring
        self._salt: bytes | None = None

    def _ring(self) -> Keyring:
        if self.keyring is None:
            raise DataKeyError("no data key is loaded")
        return self.keyring

    async def check_value(self) -> str | None:
        if await self.db.version() == 0:  # a new database: no tables yet
            return None
        value = await self.db.fetchval("SELECT value FROM app_secrets WHERE name = ?", (CHECK_NAME,))
        return None if value is None else str(value)

    async def ensure_check(self) -> None:
        await self.db.execute(
            "INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            (CHECK_NAME, self._ring().encrypt(CHECK_PLAIN, _context(CHECK_NAME)), to_iso(self.clock.now())),
        )

    async def voter_salt(self) -> bytes:
        """The salt of vote hashes: created encrypted; a plain one from an older version is
        encrypted in place the first time it is read."""
        if self._salt is not None:
            return self._salt
        ring = self._ring()
        await self.db.execute(
            "INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            (SALT_NAME, ring.encrypt(secrets.token_hex(32), _context(SALT_NAME)), to_iso(self.clock.now())),
        )
        value = str(await self.db.fetchval("SELECT value FROM app_secrets WHERE name = ?", (SALT_NAME,)))
        if is_encrypted(value):
            plain = ring.decrypt(value, _context(SALT_NAME))
        else:
            plain = value
            await self.db.execute("UPDATE app_secrets SET value = ? WHERE name = ?",
                                  (ring.encrypt(plain, _context(SALT_NAME)), SALT_NAME))
            await self.db.scrub()
            log.info("the feedback salt is now stored encrypted")
        self._salt = bytes.fromhex(plain)
        return self._salt

    async def reencrypt(self, ring: Keyring) -> int:
        """Re-encrypt every secret with the ring's current key (rotation)."""
        changed = 0
        async with self.db.transaction() as tx:
            for row in await tx.fetchall("SELECT name, value FROM app_secrets"):
                name, value = str(row["name"]), str(row["value"])
                if not is_encrypted(value) or ring.is_current(value):
                    continue
                plain = ring.decrypt(value, _context(name))
                changed += await tx.execute("UPDATE app_secrets SET value = ? WHERE name = ?",
                                            (ring.encrypt(plain, _context(name)), name))
        return changed


def create_key_file(path: Path, key: str) -> None:
    """The first key file for a new database: 0600, and never over a file another process made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.new")
    write_key_file(tmp, [key])
    try:
        os.link(tmp, path)  # fails if the file appeared meanwhile: two first starts never race
    except FileExistsError:
        raise DataKeyError(f"the data key file {path} was created by another process at the same time; "
                           "start again") from None
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created a new data key file (permissions 0600); keep it safe and out of database backups")


def configured_keyring(settings: Settings) -> tuple[Keyring | None, str]:
    """The key this configuration names, never created here: ``DATA_KEY``, else an existing key
    file; ``None`` when neither is there. Also says where it comes from, for messages."""
    secret = settings.data_key.get_secret_value() if settings.data_key is not None else ""
    path = key_file_path(settings)
    if secret.strip():
        try:
            return Keyring.from_text(secret), "DATA_KEY"
        except DataKeyError as exc:
            raise DataKeyError(f"DATA_KEY is not valid: {exc}") from None
    if path is not None and path.exists():
        return read_key_file(path), f"the data key file {path}"
    return None, f"the data key file {path}"


async def open_keyring(settings: Settings, db: Database, defer: list[tuple[Path, str]] | None = None) -> Keyring:
    """The keyring for this database, or :class:`DataKeyError` (one line) when it is missing or
    wrong. Creates the key file on the very first start, never when data already exists; with
    ``defer`` the new file is left for the caller to write (after its other start-up checks)."""
    check = await KeyStore(db, Clock()).check_value()
    path = key_file_path(settings)
    found, source = configured_keyring(settings)
    if found is not None:
        ring = found
    elif path is None:
        ring = Keyring.from_text(generate_key())  # in-memory database: nothing outlives the process
        source = "the in-memory key"
    elif check is not None:
        raise DataKeyError(
            f"the data key file {path} is missing, and the database at {db.path} holds data encrypted with it; "
            "restore the file (or set DATA_KEY) and start again. Nothing was changed."
        )
    else:
        key = generate_key()
        if defer is None:
            create_key_file(path, key)
        else:
            defer.append((path, key))  # written by the caller once start-up checks have passed
        ring = Keyring.from_text(key)
        source = f"the data key file {path}"
    if check is not None:
        try:
            ring.decrypt(check, _context(CHECK_NAME))
        except DecryptError:
            raise DataKeyError(
                f"{source} does not open the database at {db.path} (wrong key); nothing was changed."
            ) from None
    return ring


async def rotate_keys(settings: Settings) -> str:
    """``supportbot keys rotate``: re-encrypt everything with a new key, safe to interrupt and
    run again (both keys open the data until every value is re-encrypted)."""
    from bot.checkins.store import CheckinStore
    from bot.faq.store import FaqStore

    lock = RunLock(settings.database_path)
    lock.exclusive()
    try:
        db = await Database.open(settings.database)
    except BaseException:
        lock.release()
        raise
    try:
        ring = await open_keyring(settings, db)
        path = key_file_path(settings)
        from_env = settings.data_key is not None and bool(settings.data_key.get_secret_value().strip())
        if from_env:
            if len(ring.key_ids) < 2:
                return ("DATA_KEY holds one key and everything is encrypted with it. To rotate, put a new key "
                        "first (`supportbot keys new` prints one): DATA_KEY=<new key>,<old key>, run "
                        "`supportbot keys rotate` again, then remove the old key.")
        elif path is not None:
            old = [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
            new = generate_key()
            write_key_file(path, [new, *old])  # both keys, until every value is re-encrypted
            ring = read_key_file(path)
        clock = Clock()
        keystore = KeyStore(db, clock, ring)
        changed = await keystore.reencrypt(ring)
        changed += await CheckinStore(db, clock, ring).reencrypt()
        changed += await FaqStore(db, clock, keystore.voter_salt, ring).reencrypt()
        await db.scrub()
        if from_env:
            return (f"Re-encrypted {changed} value(s) with the first key in DATA_KEY. "
                    "You can now remove the older key(s) from DATA_KEY.")
        assert path is not None
        write_key_file(path, [new])
        return f"Rotated the data key in {path}: re-encrypted {changed} value(s); the old key no longer opens anything."
    finally:
        await db.close()
        lock.release()

