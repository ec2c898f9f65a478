"""``supportbot content check``: every kind of reviewed content, one report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.care.resources import check_directory
from bot.care.service import load_safety_content
from bot.care.triage import URGENT_TOPICS
from bot.faq.library import FaqLibrary
from bot.problems import Problem, Severity


def check_content(content_dir: Path, today: date) -> list[Problem]:
    """Errors and warnings for FAQ entries, safety rules and the resource directory."""
    problems: list[Problem] = []
    library = FaqLibrary(content_dir)
    report = library.load()
    problems.extend(report.problems)
    problems.extend(library.lint(today))
    if not (content_dir / "safety").exists() and not (content_dir / "resources").exists():
        # e.g. a folder written by `content export`: FAQ entries only.
        problems.append(Problem(str(content_dir), "", "no safety/ or resources/ folder here: only FAQ entries "
                                "were checked", Severity.WARNING))
        return problems
    triager, _, safety_problems = load_safety_content(content_dir)
    problems.extend(safety_problems)
    problems.extend(check_directory(content_dir / "resources", today))
    if triager is not None:
        published = {e.id for e in library.published()}
        for topic in sorted(t for t in triager.topics() if t not in URGENT_TOPICS and t not in published):
            problems.append(Problem(str(content_dir / "safety"), "topic",
                                    f"rules point members to FAQ entry {topic!r}, which is not published",
                                    Severity.WARNING))
    return problems
