"""Authenticated encryption for health text at rest.

Check-in notes (and the salt that hides who voted on an answer) are stored encrypted with
AES-256-GCM from ``cryptography``. The key never lives in the database: it comes from the
``DATA_KEY`` setting or a key file (see :mod:`bot.keys`). Whoever copies the database file
without the key reads no note.

Every value is bound to where it belongs (the *context*, e.g. ``checkins.note:<member id>``) as
associated data, so a ciphertext moved to another member's row fails to decrypt instead of
showing one member's note to another.

A stored value looks like ``enc1:<key id>:<base64 nonce+ciphertext>``. The key id (the first
bytes of the key's SHA-256) lets a keyring hold an old and a new key during rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyError(Exception):
    """The data key is missing, malformed or does not open this database (one line for a person)."""


class DecryptError(Exception):
    """A stored value could not be decrypted: wrong key, or it was altered or moved."""


def generate_key() -> str:
    """A new random key, as the text DATA_KEY and key files hold (URL-safe base64)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """Key text → 32 raw bytes, or :class:`DataKeyError` saying what is wrong (never the key)."""
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise DataKeyError("is not base64 text (generate one with `supportbot keys new`)") from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"must decode to {KEY_BYTES} bytes, not {len(raw)} (generate one with `supportbot keys new`)")
    return raw


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key, for logs and key files."""
    return hashlib.sha256(b"supportbot data key id\x00" + key).hexdigest()[:8]


def is_encrypted(value: object) -> bool:
    """Whether a stored value is a ciphertext this module wrote."""
    return isinstance(value, str) and value.startswith(PREFIX)


class Keyring:
    """The current key (first) encrypts; every key in the ring can decrypt. Holding two keys is
    what makes rotation safe to interrupt: until every value is re-encrypted, both still work."""

    def __init__(self, keys: Iterable[bytes]) -> None:
        ordered = list(dict.fromkeys(keys))
        if not ordered:
            raise DataKeyError("no data key was given")
        self._current = ordered[0]
        self._current_id = key_id(ordered[0])
        self._ciphers = {key_id(k): AESGCM(k) for k in ordered}

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        """``key[,older key…]``: the first encrypts, the others only decrypt (during rotation)."""
        parts = [p for p in text.replace("\n", ",").split(",") if p.strip()]
        return cls(parse_key(p) for p in parts)

    @property
    def current_id(self) -> str:
        return self._current_id

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plain: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current_id].encrypt(nonce, plain.encode("utf-8"), context.encode("utf-8"))
        return f"{PREFIX}{self._current_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def encrypt_optional(self, plain: str | None, context: str) -> str | None:
        return None if plain is None else self.encrypt(plain, context)

    def decrypt(self, token: str, context: str) -> str:
        if not is_encrypted(token):
            raise DecryptError("the value is not encrypted")
        try:
            kid, body = token[len(PREFIX):].split(":", 1)
            blob = base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error):
            raise DecryptError("the value is damaged") from None
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise DecryptError("the value was encrypted with a key this keyring does not hold")
        try:
            return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            raise DecryptError("the value does not match its key or its place") from None

    def decrypt_optional(self, token: str | None, context: str) -> str | None:
        return None if token is None else self.decrypt(token, context)

    def is_current(self, token: str) -> bool:
        return token.startswith(f"{PREFIX}{self._current_id}:")
