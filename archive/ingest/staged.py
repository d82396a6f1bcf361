"""A file as it goes through ingest, and what its document class asks of it.

Each stage fills in what it learned, in order, and reads only what earlier stages filled in:
receive (name, bytes, hash), identify (identity), signatures (the signed content and the reports),
read (what the content says of itself), check (the class's rules), describe (the metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.ingest.findings import Finding
from archive.ingest.names import extension

if TYPE_CHECKING:
    from archive.ingest.fatturapa import InvoiceFile
    from archive.ingest.identify import Identity
    from archive.ingest.metadata import Metadata
    from archive.ingest.pdfa import PdfReport
    from archive.ingest.signatures import SignatureReport, Trust


@dataclass(frozen=True)
class Rules:
    """What a document class asks of its files (archive.models.DocumentClass, read once)."""

    class_name: str
    allowed_formats: tuple[str, ...]
    required_metadata: tuple[str, ...]
    retention_years: int
    electronic_invoices: bool
    pdfa: str  # archive.models.PdfaPolicy
    trust: Trust


@dataclass
class Content:
    """The document itself: the file, or the document a signed envelope holds."""

    name: str
    path: Path
    identity: Identity


@dataclass
class StagedFile:
    name: str
    staged: str  # the storage's key for the bytes, until they get their name
    path: Path  # the whole file on this machine
    sha256: str
    size: int
    scratch: list[Path] = field(default_factory=list)  # local copies removed when the deposit ends
    identity: Identity | None = None
    content: Content | None = None  # None for a detached signature (.p7s): it holds no document
    signs: Identity | None = None  # what a detached signature signs, another file of the package
    signatures: tuple[SignatureReport, ...] = ()
    invoice: InvoiceFile | None = None
    pdf: PdfReport | None = None
    metadata: Metadata | None = None
    findings: list[Finding] = field(default_factory=list)
    judged_with: dict[str, str] = field(default_factory=dict)

    @property
    def identified(self) -> Identity:
        """The identity, for the stages after identify (a file it refused goes no further)."""
        if self.identity is None:
            raise RuntimeError(f"{self.name!r} was not identified: a stage ran out of order")
        return self.identity

    @property
    def described(self) -> Metadata:
        """The metadata, once described (a file refused before has none, and is not kept)."""
        if self.metadata is None:
            raise RuntimeError(f"{self.name!r} was not described: a refused file cannot be kept")
        return self.metadata

    @property
    def signed_document(self) -> Identity | None:
        """What a signed file holds (a .p7m's document) or signs (a detached signature's); None
        for a file that is its own document."""
        if self.content is not None and self.content.path != self.path:
            return self.content.identity
        return self.signs

    @property
    def extension(self) -> str:
        return extension(self.name)

    @property
    def refused(self) -> bool:
        return any(finding.is_error for finding in self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.is_error]


@dataclass(frozen=True)
class Context:
    """What a stage may know beside the file: its class's rules, the package's other files (a
    detached signature's document) and the metadata given for each file by name."""

    rules: Rules
    package: Mapping[str, StagedFile]
    given: Mapping[str, Mapping[str, object]]
