from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.ingest.findings import Finding

if TYPE_CHECKING:
    from archive.models import Deposit


@dataclass(frozen=True)
class Problem:
    """Why one file of a package was refused; `file` is empty for the package as a whole. A refusal
    found by a check at deposit carries its finding (a stable code, drawn again in any language)."""

    file: str
    reason: str
    finding: Finding | None = None

    @classmethod
    def of(cls, file: str, finding: Finding) -> "Problem":
        return cls(file, finding.message, finding)

    @property
    def code(self) -> str:
        return self.finding.code if self.finding else ""

    def as_json(self) -> dict[str, object]:
        kept: dict[str, object] = {"file": self.file, "reason": self.reason}
        return kept | (self.finding.as_json() if self.finding else {})


class ArchiveError(Exception):
    """A deposit, a search or a download the archive refuses; the message says why, in the user's
    language. A refused deposit carries the reason for each file and its record, kept without files."""

    def __init__(self, message: str, *, problems: Sequence[Problem] = (), deposit: "Deposit | None" = None) -> None:
        super().__init__(message)
        self.problems = list(problems) or [Problem("", message)]
        self.deposit = deposit
