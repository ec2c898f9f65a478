"""Problems found in content files, reported with file and field so a moderator can fix them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Whether a content problem stops the file (error) or only needs a look (warning)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """A content problem with the file and field it is in."""

    file: str  # path as given to the checker, e.g. "content/fibromyalgia/pacing.md"
    field: str  # dotted field path, e.g. "sources.0.url"; "" for the whole file
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.severity.value}: {where}: {self.message}"
