"""Reading content files safely: every way a file can be wrong is a per-file error, never a crash.

Content is edited by volunteers and can be broken by accident or on purpose. A FIFO would make a
plain ``read_text`` wait forever, a symlink could pull in a file from outside ``content/``, a huge
file would stall start-up, and deeply nested YAML makes PyYAML's recursive composer raise
``RecursionError``. Each of those is reported here as a :class:`ContentFileError` whose message
says what to fix, and the loaders turn it into a :class:`~bot.problems.Problem` for that file.

Limits (also in the README): a content file is at most ``MAX_FILE_BYTES`` and its YAML at most
``MAX_YAML_DEPTH`` levels of nested mappings or lists.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.problems import Problem

MAX_FILE_BYTES = 512 * 1024
MAX_YAML_DEPTH = 32
# libyaml's scanner and parser (PyYAML's C extension) read the same YAML ten times faster than the
# pure-Python ones; the constructor stays PyYAML's SafeConstructor either way, so the values are
# the same. Content is parsed at every start, so this is most of a start-up's time.
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentFileError(ValueError):
    """A content file that cannot be used; the message is safe to show a moderator."""


def read_content_file(path: Path, root: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of ``path``, refusing special files, symlinks leaving ``root`` and big files."""
    try:
        real = path.resolve(strict=True)
        if root is not None and not real.is_relative_to(root.resolve()):
            raise ContentFileError("is a symbolic link (or inside one) to a file outside the content folder")
        info = os.stat(real)
        if not stat.S_ISREG(info.st_mode):
            raise ContentFileError("is not a regular file (a pipe, device or folder cannot be content)")
        if info.st_size > max_bytes:
            raise ContentFileError(f"is {info.st_size} bytes; content files are limited to {max_bytes} bytes")
        # O_NONBLOCK: if the file was swapped for a FIFO after the check, opening it cannot hang.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ContentFileError("is not a regular file")
            data = fh.read(max_bytes + 1)
    except ContentFileError:
        raise
    except (OSError, RuntimeError) as exc:
        raise ContentFileError(f"cannot be read: {exc.strerror if isinstance(exc, OSError) else exc}") from exc
    if len(data) > max_bytes:
        raise ContentFileError(f"is larger than {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentFileError(f"is not UTF-8 text (byte {exc.start})") from exc


def load_yaml(text: str, *, max_depth: int = MAX_YAML_DEPTH) -> Any:
    """``yaml.safe_load`` that refuses nesting deeper than ``max_depth`` before composing.

    The event stream is read iteratively, so a 500-level document costs a few microseconds to
    refuse instead of exhausting the stack. Raises :class:`ContentFileError` or ``yaml.YAMLError``.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise ContentFileError(f"nests deeper than {max_depth} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    try:
        return yaml.load(text, Loader=_SafeLoader)
    except RecursionError as exc:  # belt and braces: never let the composer take the process down
        raise ContentFileError("nests too deeply to read") from exc


def yaml_problem(exc: Exception) -> str:
    """One line for a YAML error: where and what, without PyYAML's multi-line excerpt."""
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"is not valid YAML{where}: {' '.join(str(problem).split())}"


def read_mapping(path: Path, root: Path | None, problems: list[Problem], keys: str) -> dict[str, Any] | None:
    """The YAML mapping in ``path``, or None with the reason added to ``problems``.

    ``keys`` names a few of the keys such a file holds ("country, services, ..."), for the message
    when the file is YAML but not a mapping.
    """
    file = str(path)
    try:
        data = load_yaml(read_content_file(path, root))
    except ContentFileError as exc:
        problems.append(Problem(file, "", str(exc)))
        return None
    except Exception as exc:  # yaml.YAMLError, and ValueError for an impossible date (2024-02-30)
        problems.append(Problem(file, "", yaml_problem(exc)))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(file, "", f"the file must be a YAML mapping ({keys})"))
        return None
    return data


def validation_problems(file: str, exc: ValidationError, prefix: str = "") -> list[Problem]:
    """One problem per validation error, at its dotted field under ``prefix``."""
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        out.append(Problem(file, where, err["msg"].removeprefix("Value error, ")))
    return out


class LoadMemo:
    """The last few results of a content loader, by what its files hold.

    Loading is deterministic: the same bytes give the same entries, rules and problems. Each
    ``SupportApp`` (every start, every test) would otherwise parse, validate and compile the same
    pack again, most of a start-up's second. Keys come from :func:`files_digest`; values must be
    immutable or copied by the caller on the way out.
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()  # reloads run in worker threads, the channel watch's too

    def get(self, key: str | None) -> Any | None:
        if key is None:
            return None
        with self._lock:
            return self._items.get(key)

    def put(self, key: str | None, value: Any) -> None:
        if key is None:
            return
        with self._lock:
            if key not in self._items and len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = value


def files_digest(paths: list[Path], *extra: object) -> str | None:
    """A digest of ``paths`` (names and bytes) and ``extra``, or None when any path is not a plain
    file reached without a symbolic link, or is too big: those go through the loader's own checks
    (and its messages) every time. Reads files only after ``lstat`` says they are regular, so a
    FIFO can never make this wait."""
    digest = hashlib.sha256(repr(extra).encode())
    for path in paths:
        try:
            info = os.lstat(path)
            if (not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES
                    or os.path.realpath(path) != os.path.abspath(path)):
                return None
            data = path.read_bytes()
        except OSError:
            return None
        digest.update(f"\0{os.path.abspath(path)}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
