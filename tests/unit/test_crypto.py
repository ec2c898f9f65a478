"""Authenticated encryption of health text: round trips, binding to its row, and wrong keys."""

from __future__ import annotations

import pytest

from bot.crypto import DataKeyError, DecryptError, Keyring, generate_key, is_encrypted, parse_key


def test_round_trip_and_the_stored_form_hides_the_text() -> None:
    ring = Keyring.from_text(generate_key())
    token = ring.encrypt("flare after the long drive", "checkins.note:1")
    assert is_encrypted(token) and "flare" not in token and ring.is_current(token)
    assert ring.decrypt(token, "checkins.note:1") == "flare after the long drive"
    assert ring.encrypt("same", "c") != ring.encrypt("same", "c")  # a fresh nonce every time


def test_a_note_moved_to_another_members_row_does_not_open() -> None:
    ring = Keyring.from_text(generate_key())
    token = ring.encrypt("private", "checkins.note:1")
    with pytest.raises(DecryptError):
        ring.decrypt(token, "checkins.note:2")


def test_altered_ciphertext_or_another_key_is_refused() -> None:
    ring = Keyring.from_text(generate_key())
    token = ring.encrypt("private", "ctx")
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(DecryptError):
        ring.decrypt(flipped, "ctx")
    with pytest.raises(DecryptError):
        Keyring.from_text(generate_key()).decrypt(token, "ctx")


def test_a_ring_with_an_older_key_opens_both_and_encrypts_with_the_first() -> None:
    old, new = generate_key(), generate_key()
    before = Keyring.from_text(old).encrypt("note", "ctx")
    both = Keyring.from_text(f"{new},{old}")
    assert both.decrypt(before, "ctx") == "note" and not both.is_current(before)
    after = both.encrypt("note", "ctx")
    assert Keyring.from_text(new).decrypt(after, "ctx") == "note"
    with pytest.raises(DecryptError):
        Keyring.from_text(old).decrypt(after, "ctx")


@pytest.mark.parametrize("text", ["", "short", "not base64 !!", "QUJD"])
def test_malformed_keys_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(DataKeyError) as caught:
        Keyring.from_text(text) if text else parse_key(text)
    message = str(caught.value)
    assert message and "\n" not in message
    assert not text or text not in message  # the key itself is never echoed
