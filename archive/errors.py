from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.models import Deposit


@dataclass(frozen=True)
class Problem:
    """Why one file of a package was refused; `file` is empty for the package as a whole."""

    file: str
    reason: str


class ArchiveError(Exception):
    """A deposit, a search or a download the archive refuses; the message says why, in the user's
    language. A refused deposit carries the reason for each file and its record, kept without files."""

    def __init__(self, message: str, *, problems: Sequence[Problem] = (), deposit: "Deposit | None" = None) -> None:
        super().__init__(message)
        self.problems = list(problems) or [Problem("", message)]
        self.deposit = deposit
