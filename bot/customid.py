"""Custom ids: one codec per button kind, building and parsing in one place.

Every button and form the bot sends carries a ``custom_id`` such as ``faq:vote:up:pacing`` (at most
100 characters). It comes back when a member presses the button, possibly days later, possibly
after a restart, and possibly hand-made by a modified client. So an id is untrusted input: it is
parsed into a typed value (ints within range, a known choice, an IANA zone, an HH:MM time, an ISO
date, a content slug) by the same codec that built it, and anything else parses to ``None``, which
the router answers with the kind "that button has expired" reply instead of an exception.

A :class:`Kind` is one template and the dataclass its fields fill::

    @dataclass(frozen=True)
    class Vote:
        helpful: bool
        entry: str

    VOTE = Kind(Vote, "faq:vote:{helpful}:{entry}", helpful=Flag("up", "down"), entry=SLUG)
    VOTE.build(Vote(True, "pacing"))    # "faq:vote:up:pacing"
    VOTE.parse("faq:vote:up:pacing")     # Vote(helpful=True, entry="pacing")

A feature's kinds share a prefix (:class:`Family`); the router routes on that prefix. Digits are
read after NFKC normalisation (full-width ``０８００`` reads as ``0800``) and must then be ASCII, so
no other script's digits, signs, underscores or whitespace sneak through ``int()``. This module
knows nothing of Discord: the Discord adapter and the console hand the same strings to the same
router.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Generic, TypeVar

from bot.ui import CUSTOM_ID_MAX

SEP = ":"

T = TypeVar("T")


class Malformed(ValueError):
    """A custom id (or one of its fields) that no codec of ours could have built."""


def _ascii_digits(text: str, most: int) -> str:
    """``text`` as plain ASCII digits after NFKC (full-width digits fold), or :class:`Malformed`."""
    folded = unicodedata.normalize("NFKC", text)
    if not folded or len(folded) > most or not folded.isascii() or not folded.isdigit():
        raise Malformed(text)
    return folded


class TooLong(ValueError):
    """A value whose custom id would be over Discord's 100 characters (a bug in the caller)."""


class Field(Generic[T]):
    """One segment of a custom id: ``parse`` reads the wire text, ``build`` writes it.

    ``parse`` gets ``None`` when an optional trailing segment is absent; fields that cannot be
    absent raise :class:`Malformed` for it, as for any text they do not accept.
    """

    optional = False

    def parse(self, text: str | None) -> T:
        raise NotImplementedError

    def build(self, value: T) -> str | None:
        raise NotImplementedError


class Int(Field[int]):
    """A whole number in ``lo..hi``, written in plain digits (no sign, no leading ``+``)."""

    def __init__(self, lo: int = 1, hi: int = 2**63 - 1) -> None:
        self.lo, self.hi = lo, hi
        self._digits = len(str(hi))

    def parse(self, text: str | None) -> int:
        if text is None:
            raise Malformed("missing number")
        value = int(_ascii_digits(text, self._digits))
        if not self.lo <= value <= self.hi:
            raise Malformed(text)
        return value

    def build(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise ValueError(f"{value!r} is not a whole number in {self.lo}..{self.hi}")
        return str(value)


ROW_ID = Int(1, 2**63 - 1)  # a database row id (SQLite's and PostgreSQL's BIGINT range)


class OneOf(Field[str]):
    """One of a fixed set of words."""

    def __init__(self, *words: str) -> None:
        self.words = frozenset(words)

    def parse(self, text: str | None) -> str:
        if text not in self.words:
            raise Malformed(str(text))
        return text

    def build(self, value: str) -> str:
        if value not in self.words:
            raise ValueError(f"{value!r} is not one of {sorted(self.words)}")
        return value


class Flag(Field[bool]):
    """A yes/no value written as one of two words (``up``/``down``)."""

    def __init__(self, yes: str, no: str) -> None:
        self.yes, self.no = yes, no

    def parse(self, text: str | None) -> bool:
        if text == self.yes:
            return True
        if text == self.no:
            return False
        raise Malformed(str(text))

    def build(self, value: bool) -> str:
        return self.yes if value else self.no


class Marker(Field[bool]):
    """An optional trailing word: present means True (``mod:approve:7:signed``)."""

    optional = True

    def __init__(self, word: str) -> None:
        self.word = word

    def parse(self, text: str | None) -> bool:
        if text is None:
            return False
        if text == self.word:
            return True
        raise Malformed(text)

    def build(self, value: bool) -> str | None:
        return self.word if value else None


class Pattern(Field[str]):
    """Text matching a regular expression in full (content slugs, hex fingerprints)."""

    def __init__(self, regex: str, most: int = CUSTOM_ID_MAX) -> None:
        self.regex = re.compile(regex)
        self.most = most

    def parse(self, text: str | None) -> str:
        if text is None or len(text) > self.most or not self.regex.fullmatch(text):
            raise Malformed(str(text))
        return text

    def build(self, value: str) -> str:
        return self.parse(value)


SLUG = Pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*", most=80)  # an FAQ entry id (see bot.faq.models.SLUG_RE)
HEX = Pattern(r"[0-9a-f]+", most=64)


class Maybe(Field[T | None]):
    """Another field, or ``none`` (``-``) for no value: ``ci:agree:UTC:-`` has no reminder."""

    def __init__(self, inner: Field[T], none: str = "-", *, trailing: bool = False) -> None:
        self.inner, self.none = inner, none
        self.optional = trailing  # when trailing, "no value" may also be the segment left out

    def parse(self, text: str | None) -> T | None:
        if text is None and self.optional:
            return None
        if text == self.none:
            return None
        return self.inner.parse(text)

    def build(self, value: T | None) -> str | None:
        if value is None:
            return None if self.optional else self.none
        return self.inner.build(value)


class ClockTime(Field[str]):
    """A time of day, ``HH:MM`` in Python and ``HHMM`` on the wire (a colon separates fields)."""

    def parse(self, text: str | None) -> str:
        if text is None:
            raise Malformed("missing time")
        digits = _ascii_digits(text, 4)
        if len(digits) != 4 or int(digits[:2]) > 23 or int(digits[2:]) > 59:
            raise Malformed(text)
        return f"{digits[:2]}:{digits[2:]}"

    def build(self, value: str) -> str:
        wire = value.replace(":", "")
        if self.parse(wire) != value:
            raise ValueError(f"{value!r} is not a time in the form HH:MM")
        return wire


class Day(Field[date]):
    """A calendar date, ``YYYY-MM-DD``."""

    def parse(self, text: str | None) -> date:
        if text is None:
            raise Malformed("missing date")
        folded = unicodedata.normalize("NFKC", text)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", folded, flags=re.ASCII):
            raise Malformed(text)
        try:
            return date.fromisoformat(folded)
        except ValueError:
            raise Malformed(text) from None

    def build(self, value: date) -> str:
        return value.isoformat()


class Checked(Field[str]):
    """Text accepted by a feature's own test, which returns the canonical spelling or None
    (an IANA zone name via the check-ins' zone table, say)."""

    def __init__(self, check: Callable[[str], str | None], most: int = CUSTOM_ID_MAX) -> None:
        self.check, self.most = check, most

    def parse(self, text: str | None) -> str:
        if text is None or not text or len(text) > self.most or SEP in text:
            raise Malformed(str(text))
        value = self.check(text)
        if value is None:
            raise Malformed(text)
        return value

    def build(self, value: str) -> str:
        if self.parse(value) != value:
            raise ValueError(f"{value!r} is not in its canonical spelling")
        return value


_SLOT = re.compile(r"\{(\w+)\}")


class Kind(Generic[T]):
    """One kind of custom id: a template such as ``ci:agree:{zone}:{reminder}`` and the
    dataclass its fields fill. Literal segments must match exactly; only the last field may be
    left out, and only when its field is optional."""

    def __init__(self, cls: type[T], template: str, **fields: Field[Any]) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} must be a dataclass")
        self.cls, self.template = cls, template
        self.segments: list[tuple[str, Field[Any] | None]] = []
        for part in template.split(SEP):
            slot = _SLOT.fullmatch(part)
            if slot is None:
                if "{" in part or not part:
                    raise ValueError(f"bad template segment {part!r} in {template!r}")
                self.segments.append((part, None))
            else:
                self.segments.append((slot.group(1), fields[slot.group(1)]))
        names = [name for name, field in self.segments if field is not None]
        wanted = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        if sorted(names) != sorted(wanted) or sorted(fields) != sorted(wanted):
            raise ValueError(f"{template!r} must name exactly the fields of {cls.__name__}: {wanted}")
        if self.segments[0][1] is not None:
            raise ValueError(f"{template!r} must start with its feature's prefix")
        for _, field in self.segments[:-1]:
            if field is not None and field.optional:
                raise ValueError(f"only the last field of {template!r} may be left out")
        self.prefix = self.segments[0][0]

    def build(self, value: T) -> str:
        """The custom id for ``value``; a value no parse would give back is a bug (ValueError)."""
        if not isinstance(value, self.cls):
            raise TypeError(f"{value!r} is not a {self.cls.__name__}")
        parts: list[str] = []
        for i, (name, field) in enumerate(self.segments):
            if field is None:
                parts.append(name)
                continue
            text = field.build(getattr(value, name))
            if text is None:
                if i != len(self.segments) - 1:
                    raise ValueError(f"{name} of {self.template!r} cannot be left out")
                continue
            if not text or SEP in text:
                raise ValueError(f"{name}={text!r} cannot travel in a custom id")
            parts.append(text)
        custom_id = SEP.join(parts)
        if len(custom_id) > CUSTOM_ID_MAX:
            raise TooLong(f"custom id longer than {CUSTOM_ID_MAX} characters: {custom_id!r}")
        if self.parse(custom_id) != value:
            raise ValueError(f"{value!r} does not survive its own custom id {custom_id!r}")
        return custom_id

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        """Shorthand: ``VOTE(True, "pacing")`` builds ``VOTE.build(Vote(True, "pacing"))``."""
        return self.build(self.cls(*args, **kwargs))

    def parse(self, custom_id: str) -> T | None:
        """The typed value of ``custom_id``, or None when this kind could not have built it."""
        if not isinstance(custom_id, str) or len(custom_id) > CUSTOM_ID_MAX:
            return None
        parts = custom_id.split(SEP)
        size = len(self.segments)
        last = self.segments[-1][1]
        if len(parts) != size and not (len(parts) == size - 1 and last is not None and last.optional):
            return None
        values: dict[str, Any] = {}
        try:
            for i, (name, field) in enumerate(self.segments):
                text = parts[i] if i < len(parts) else None
                if field is None:
                    if text != name:
                        return None
                else:
                    values[name] = field.parse(text)
        except Malformed:
            return None
        return self.cls(**values)


class Family:
    """A feature's custom-id kinds, under one prefix, and its own "that button has expired"."""

    def __init__(self, prefix: str, kinds: Iterable[Kind[Any]], expired: str) -> None:
        self.prefix, self.kinds, self.expired = prefix, tuple(kinds), expired
        if not prefix or SEP in prefix:
            raise ValueError(f"bad custom-id prefix {prefix!r}")
        for kind in self.kinds:
            if kind.prefix != prefix:
                raise ValueError(f"{kind.template!r} is not under the prefix {prefix!r}")

    def parse(self, custom_id: str) -> Any | None:
        """The value of the first kind that reads ``custom_id``, or None (an expired button)."""
        for kind in self.kinds:
            value = kind.parse(custom_id)
            if value is not None:
                return value
        return None
