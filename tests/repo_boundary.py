"""Find code that reads a path outside the repository.

A fresh clone must work with nothing beside it: the end-to-end tests once read Discord's API
description from a folder next to the repository that only CI had. This scanner looks at what
would let that happen again, precisely enough that ordinary code is not flagged:

* Python (AST): path expressions are followed from a known base. ``Path(__file__)`` sits at the
  file's own place in the repository, a relative string at the repository root (where ``make``,
  CI and pytest run), and ``.parent``, ``.parents[n]``, ``os.path.dirname``, ``/ "..."`` and
  ``os.path.join`` move from there; names assigned such an expression keep its place. A path that
  climbs above the root is flagged, and so is an absolute path, ``~`` or ``Path.home()`` given to
  a path or file function. Only ``/dev/`` and ``/proc/`` are allowed: they are the operating
  system's interfaces (``/dev/null``, a process's memory in a benchmark), not files beside the
  repository; and ``/nonexistent/``, which tests use as a folder that is never there. A string that is merely *data* (say ``"../../etc/passwd"`` as input a test expects
  to be refused) is not a path expression and is not flagged; an absolute path into a home or
  work folder is flagged wherever it appears.
* Shell (``Makefile``, ``.ci/*``): ``..`` steps count from ``$(dirname "$0")`` when they follow it,
  otherwise from the repository root; absolute paths other than ``/dev/`` and ``/proc/`` (and a
  ``#!`` line) are flagged.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

SCANNED_DIRS = ("bot", "tests", "bench", ".ci")
SCANNED_FILES = ("Makefile",)
# The operating system's interfaces, and the conventional never-existing path tests use to check
# that a missing folder is reported.
SYSTEM_PREFIXES = ("/dev/", "/proc/", "/nonexistent/")
# Never legitimate in this repository, even as a plain string: someone's machine layout.
MACHINE_PATH = re.compile(r"^(~/|/(work|home|Users|mnt|srv|root|opt|shared|private|Volumes)(/|$))")

PATH_CALLS = {
    "Path", "PurePath", "PosixPath", "open", "io.open", "os.open", "os.listdir", "os.scandir", "os.stat",
    "os.walk", "glob.glob", "glob.iglob", "sqlite3.connect", "shutil.copy", "shutil.copyfile", "shutil.copytree",
    "shutil.rmtree", "os.chdir", "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.abspath",
    "os.path.realpath", "os.path.normpath", "pathlib.Path", "yaml.safe_load_file", "json.load",
}
PATH_KEYWORDS = {"cwd", "path", "file", "filename", "dir", "directory", "root", "database", "executable"}
KEEP_PLACE = {"resolve", "absolute", "expanduser"}  # methods that do not move a path (expanduser: see HOME)


@dataclass(frozen=True)
class Escape:
    file: str  # relative to the scanned root
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.why}"


def scan(root: Path) -> list[Escape]:
    """Every place under ``root``'s scanned folders that reads outside ``root``."""
    found: list[Escape] = []
    for path in _files(root):
        rel = path.relative_to(root)
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".py":
            found += _PythonScan(rel, text).run()
        elif path.suffix in ("", ".sh", ".mk", ".bash") or path.name == "Makefile":
            found += _scan_shell(rel, text)
    return sorted(found, key=lambda e: (e.file, e.line))


def _files(root: Path) -> list[Path]:
    files = [root / name for name in SCANNED_FILES if (root / name).is_file()]
    for folder in SCANNED_DIRS:
        base = root / folder
        if base.is_dir():
            files += [p for p in sorted(base.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return files


def _apply(depth: int | None, relative: str) -> tuple[int | None, bool]:
    """Move ``depth`` (folders below the root) along a relative path; True if it went above."""
    if depth is None:
        return None, ".." in relative.replace("\\", "/").split("/")
    for part in relative.replace("\\", "/").split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return depth, True
        elif part not in ("", "."):
            depth += 1
    return depth, False


class _PythonScan(ast.NodeVisitor):
    def __init__(self, rel: Path, text: str) -> None:
        self.rel = rel
        self.text = text
        self.file_depth = len(rel.parts)  # Path(__file__): the file is one step below its folder
        self.names: dict[str, int | None] = {}  # negative: a string that would point above the root
        self.absolute_names: set[str] = set()
        self.found: list[Escape] = []

    def run(self) -> list[Escape]:
        try:
            tree = ast.parse(self.text)
        except SyntaxError:
            return []
        self.visit(tree)
        return self.found

    def flag(self, node: ast.AST, why: str) -> None:
        escape = Escape(self.rel.as_posix(), getattr(node, "lineno", 0), why)
        if escape not in self.found:
            self.found.append(escape)

    # -- where a path expression points -------------------------------------------------------

    def place(self, node: ast.AST) -> int | None:
        """Folders below the root that ``node`` points at, or None when unknown; flags escapes."""
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.file_depth
            depth = self.names.get(node.id)
            if depth is not None and depth < 0:
                self.flag(node, f"{node.id} points above the repository root")
                return None
            return depth
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return self._up(node, self.place(node.value), 1)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            steps = node.slice.value if isinstance(node.slice, ast.Constant) else None
            base = self.place(node.value.value)
            return self._up(node, base, steps + 1) if isinstance(steps, int) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._join(node, self.place(node.left), [node.right])
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if isinstance(node.func, ast.Attribute) and node.func.attr in KEEP_PLACE:
                return self.place(node.func.value)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
                return self._join(node, self.place(node.func.value), node.args)
            if name == "os.path.dirname" and node.args:
                return self._up(node, self.place(node.args[0]), 1)
            if name == "os.path.join" and node.args:
                return self._join(node, self._start(node.args[0]), node.args[1:])
            if name in {"Path", "pathlib.Path", "PurePath", "os.path.abspath", "os.path.realpath",
                        "os.path.normpath", "str", "os.fspath"} and node.args:
                return self._join(node, self._start(node.args[0]), node.args[1:])
        return None

    def _start(self, node: ast.AST) -> int | None:
        """A path's first part: a string counts from the root, anything else is followed."""
        if _string_prefix(node) is not None:
            return self._join(node, 0, [node])
        return self.place(node)

    def _join(self, node: ast.AST, base: int | None, parts: list[ast.AST]) -> int | None:
        depth = base
        for part in parts:
            text = _string_prefix(part)
            if text is None:
                self.place(part)
                depth = None  # joined with something only known at run time
                continue
            if text.startswith(("/", "~")):
                self._check_absolute(part, text)
                depth = None
                continue
            if not _is_whole(part):  # an f-string: only its complete leading folders are known
                text = text.rsplit("/", 1)[0] if "/" in text else ""
            depth, escaped = _apply(depth, text)
            if escaped:
                self.flag(node, f"path climbs out of the repository with {text!r}")
                return None
        return depth

    def _up(self, node: ast.AST, depth: int | None, steps: int) -> int | None:
        if depth is None:
            return None
        if depth - steps < 0:
            self.flag(node, "path climbs above the repository root (.parent / .parents[...])")
            return None
        return depth - steps

    def _check_absolute(self, node: ast.AST, text: str) -> None:
        if text.startswith("~"):
            self.flag(node, f"home-relative path {text!r}")
        elif text.startswith("/") and not text.startswith(SYSTEM_PREFIXES):
            self.flag(node, f"absolute path {text!r}")

    # -- visits ---------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        text = _string_prefix(node.value)
        if text is not None and _is_whole(node.value):
            # A string is only a path where it is used as one; remember where it would point.
            depth: int | None = None if text.startswith(("/", "~")) else _apply(0, text)[0]
            absolute = text.startswith(("/", "~")) and not text.startswith(SYSTEM_PREFIXES)
        else:
            depth, absolute = self.place(node.value), False
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.names[target.id] = depth
                if absolute:
                    self.absolute_names.add(target.id)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name in {"Path.home", "pathlib.Path.home", "os.path.expanduser"}:
            self.flag(node, f"{name}() reads from the home folder")
        if name in PATH_CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id in self.absolute_names:
                self.flag(node, f"absolute path in {first.id}")
        if name in PATH_CALLS and node.args:
            self._start(node.args[0])  # what a file function is handed is a path
        for keyword in node.keywords:  # cwd="..", database_path="/elsewhere/x.sqlite3", ...
            if keyword.arg in PATH_KEYWORDS or (keyword.arg or "").endswith(("_dir", "_path", "_file")):
                self._start(keyword.value)
        if name in PATH_CALLS or name in {"os.path.join", "os.path.dirname"} or (
            isinstance(node.func, ast.Attribute) and node.func.attr in KEEP_PLACE | {"joinpath"}
        ):
            self.place(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div):
            self.place(node)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "parent":
            self.place(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            self.place(node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and MACHINE_PATH.match(node.value):
            self.flag(node, f"a machine's own path {node.value!r}")


def _call_name(func: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _string_prefix(node: ast.AST) -> str | None:
    """A string constant, or an f-string's text up to its first placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = ""
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text += value.value
            else:
                break
        return text
    return None


def _is_whole(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant)


_SCRIPT_DIR = re.compile(r"""\$\(dirname\s+["']?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?["']?\)""")
_VARIABLE = re.compile(r"\$\([^()]*\)|\$\{[^{}]*\}|\$\$?\w+")
_TOKEN = re.compile(r"""[^\s"'=;|&<>`()]+""")
SCRIPT_DIR = "@SCRIPT_DIR@"
VARIABLE = "@VAR@"


def _without_variables(line: str) -> str:
    """``$(dirname "$0")`` becomes the script's folder; other ``$(...)``, ``${...}``, ``$x`` and
    make's ``$$x`` become a placeholder (innermost first, so nested ones go too)."""
    line = _SCRIPT_DIR.sub(SCRIPT_DIR, line)
    while True:
        replaced = _VARIABLE.sub(VARIABLE, line)
        if replaced == line:
            return line
        line = replaced


def _scan_shell(rel: Path, text: str) -> list[Escape]:
    found: list[Escape] = []
    own_depth = len(rel.parts) - 1  # the script's folder
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for token in _TOKEN.findall(_without_variables(line)):
            if "://" in token or ("/" not in token and token != ".."):
                continue
            if token.startswith(("/", "~")):
                if not token.startswith(SYSTEM_PREFIXES):
                    found.append(Escape(rel.as_posix(), number, f"absolute path {token!r}"))
            elif token.startswith(SCRIPT_DIR):
                if _apply(own_depth, token[len(SCRIPT_DIR):])[1]:
                    found.append(Escape(rel.as_posix(), number, f"path climbs out of the repository: {token!r}"))
            elif not token.startswith(VARIABLE) and _apply(0, token)[1]:
                found.append(Escape(rel.as_posix(), number, f"path climbs out of the repository: {token!r}"))
    return found
