"""``supportbot content check``: every kind of reviewed content, one report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.faq.library import FaqLibrary
from bot.problems import Problem


def check_content(content_dir: Path, today: date) -> list[Problem]:
    """Errors and warnings for FAQ entries, safety rules and the resource directory."""
    problems: list[Problem] = []
    library = FaqLibrary(content_dir)
    report = library.load()
    problems.extend(report.problems)
    problems.extend(library.lint(today))
    return problems
