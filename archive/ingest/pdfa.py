"""A PDF as it is: its version, the PDF/A conformance it claims in its XMP metadata (pdfaid), and
whether the claim holds for the rules checked here: an output intent with its colour profile,
every font embedded, no encryption, no JavaScript, and attachments as the claimed part allows.

These are the rules a reader can check by walking the document's objects with pikepdf, not a full
validation: a claim that passes them is labelled "PDF/A-2b (dichiarato)". A complete validation
needs veraPDF, run when ARCHIVE_VERAPDF_COMMAND names it (e.g. "verapdf --format json").

pikepdf (qpdf) reads the file by offsets and loads objects when asked; the walk visits each object
once and gives up past MAX_VALUES, so a hostile PDF cannot keep it busy.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess  # nosec B404: runs the operator's own veraPDF, never a name from a deposit
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from lxml import etree

from archive.ingest import findings
from archive.ingest.findings import Finding

logger = logging.getLogger(__name__)
# qpdf reads a whole array or dictionary before any check of ours: a hostile PDF's one array of two
# million items took 361 MB. Beyond this many items, qpdf refuses the object (the PDF is damaged).
pikepdf.settings.set_qpdf_limits(parser_max_container_size=100_000, parser_max_container_size_damaged=10_000)

DAMAGED = "pdf.damaged"
ENCRYPTED = "pdf.encrypted"
JAVASCRIPT = "pdf.javascript"
PDFA_REQUIRED = "pdfa.required"
PDFA_WANTED = "pdfa.wanted"
PDFA_CLAIM_FAILED = "pdfa.claim_failed"

findings.register(
    {
        DAMAGED: gettext_lazy("Il PDF è danneggiato o non leggibile."),
        ENCRYPTED: gettext_lazy("Il PDF è cifrato o protetto da password: non può essere conservato così."),
        JAVASCRIPT: gettext_lazy("Il PDF contiene JavaScript, che può cambiare ciò che mostra o agire all'apertura."),
        PDFA_REQUIRED: gettext_lazy("La classe richiede un PDF/A, ma il file è %(label)s."),
        PDFA_WANTED: gettext_lazy("Per questa classe è consigliato un PDF/A, ma il file è %(label)s."),
        PDFA_CLAIM_FAILED: gettext_lazy(
            "Il file dichiara di essere %(claimed)s ma non lo è: %(failures)s. È conservato come PDF %(version)s."
        ),
    }
)

# Dictionary entries and array items looked at: some ten thousand pages' worth, a few seconds.
MAX_VALUES = 500_000
# An XMP packet is a few kilobytes; a compressed one could inflate without bound.
MAX_XMP_BYTES = 4 * 1024 * 1024
VERAPDF_TIMEOUT_SECONDS = 300
FAILURES_SHOWN = 10
CONFORMANCE_LEVELS = {"1": {"A", "B"}, "2": {"A", "B", "U"}, "3": {"A", "B", "U"}, "4": {"", "E", "F"}}
FONT_SUBTYPES = {b"/Type1", b"/MMType1", b"/TrueType", b"/Type3", b"/Type0", b"/CIDFontType0", b"/CIDFontType2"}
# Fonts that draw with their own glyph procedures (Type3), or through a descendant font checked on its own.
FONTS_WITHOUT_PROGRAM = {b"/Type3", b"/Type0"}
FONT_PROGRAMS = ("/FontFile", "/FontFile2", "/FontFile3")
CONTAINERS = (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)
# Not followed: the structure tree (large in tagged PDFs, and no action lives there) and the form's
# default resources (fonts a form may use when filled in, not used to show the document).
NOT_FOLLOWED = {"/StructTreeRoot", "/DR", "/Parent", "/P"}

# Recorded in the preservation record, so in one fixed language rather than the reader's.
BAD_CLAIM = "dichiarazione PDF/A non valida (parte «{part}», livello «{conformance}»)"
NO_OUTPUT_INTENT = "manca l'OutputIntent PDF/A (GTS_PDFA1)"
NO_PROFILE = "l'OutputIntent PDF/A non incorpora il profilo colore (DestOutputProfile)"
FONTS_NOT_EMBEDDED = "font non incorporati: {fonts}"
IS_ENCRYPTED = "è cifrato"
HAS_JAVASCRIPT = "contiene JavaScript"
HAS_ATTACHMENTS = "contiene allegati, che PDF/A-1 non ammette"
NO_RELATIONSHIP = "allegati senza AFRelationship: {files}"
REPAIRED = "struttura danneggiata, ricostruita in lettura"
TOO_LARGE = "troppi oggetti per essere verificato"


class PdfaPolicy(models.TextChoices):
    REQUIRED = "OBBLIGATORIO", gettext_lazy("obbligatorio: un PDF che non è PDF/A è rifiutato")
    WANTED = "CONSIGLIATO", gettext_lazy("consigliato: un PDF che non è PDF/A è conservato con un avviso")
    NOT_NEEDED = "NON_RICHIESTO", gettext_lazy("non richiesto")


@dataclass(frozen=True)
class PdfReport:
    version: str  # the header's, or the catalog's when later ("1.7")
    claimed: str  # "" or "PDF/A-2b", from the XMP metadata's pdfaid:part and pdfaid:conformance
    failures: tuple[str, ...]  # each rule of the claim that the file breaks; empty without a claim
    encrypted: bool
    has_javascript: bool
    damaged: bool = False
    checked_with: tuple[str, ...] = field(default=())

    @property
    def is_pdfa(self) -> bool:
        return bool(self.claimed) and not self.failures and not self.damaged

    @property
    def label(self) -> str:
        if self.is_pdfa:
            return f"{self.claimed} (dichiarato)"
        plain = f"PDF {self.version}".strip()
        if self.claimed:
            return f"{plain} (dichiara {self.claimed}, non conforme)"
        return plain


@dataclass(frozen=True)
class VeraPdfReport:
    compliant: bool
    profile: str
    failed_rules: tuple[str, ...]  # "6.2.11.4.1-1: The font programs for all fonts … shall be embedded"


class TooLarge(Exception):
    pass


def pdf_report(path: Path) -> PdfReport:
    version = _header_version(path)
    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream, inherit_page_attributes=False) as pdf:
            report = _examined(pdf)
    except pikepdf.PasswordError:
        return PdfReport(version, "", (), encrypted=True, has_javascript=False, checked_with=(_pikepdf(),))
    except pikepdf.PdfError as error:
        logger.info("unreadable PDF %s: %s", path.name, error)
        return _damaged(version)
    except (RecursionError, ValueError, TypeError, KeyError):
        # pikepdf raises these too on some malformed objects; the trace is kept in case the fault is ours.
        logger.warning("PDF not examined: %s", path.name, exc_info=True)
        return _damaged(version)
    return _with_verapdf(report, path) if report.claimed else report


def _damaged(version: str) -> PdfReport:
    return PdfReport(version, "", (), encrypted=False, has_javascript=False, damaged=True, checked_with=(_pikepdf(),))


def pdfa_findings(report: PdfReport, policy: str) -> list[Finding]:
    """A damaged or encrypted PDF is refused; a PDF/A claim that fails is kept with a warning (it is
    not labelled PDF/A); `policy` (PdfaPolicy, each document class's) says what a PDF that is not PDF/A gets."""
    if report.damaged:
        return [findings.error(DAMAGED)]
    if report.encrypted:
        return [findings.error(ENCRYPTED)]
    found = [findings.warning(JAVASCRIPT)] if report.has_javascript else []
    if report.claimed and not report.is_pdfa:
        found.append(
            findings.warning(
                PDFA_CLAIM_FAILED, claimed=report.claimed, failures="; ".join(report.failures), version=report.version
            )
        )
    if not report.is_pdfa and policy == PdfaPolicy.REQUIRED:
        found.append(findings.error(PDFA_REQUIRED, label=report.label))
    if not report.is_pdfa and policy == PdfaPolicy.WANTED:
        found.append(findings.warning(PDFA_WANTED, label=report.label))
    return found


def verapdf_report(path: Path) -> VeraPdfReport | None:
    """veraPDF's verdict when ARCHIVE_VERAPDF_COMMAND names it (its JSON or XML report on standard
    output); None when it is not set, or when veraPDF could not judge (logged)."""
    command = getattr(settings, "ARCHIVE_VERAPDF_COMMAND", "")
    if not command:
        return None
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603: the operator's command, the staged file's path
            [*shlex.split(command), str(path)], capture_output=True, timeout=VERAPDF_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("veraPDF did not run on %s: %s", path.name, error)
        return None
    report = verapdf_parsed(done.stdout)
    if report is None:
        logger.warning(
            "veraPDF's report on %s is not readable (exit %s): %s", path.name, done.returncode, done.stderr[:500]
        )
    return report


def verapdf_parsed(output: bytes) -> VeraPdfReport | None:
    try:
        if output.lstrip().startswith(b"<"):
            return _verapdf_from_xml(output)
        return _verapdf_from_json(output)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, etree.LxmlError):
        return None


def _examined(pdf: pikepdf.Pdf) -> PdfReport:
    claimed, claim_failures = _claim(pdf)
    walked = _Walk(pdf.Root)
    failures = [*claim_failures, *_failures(pdf, walked), *_attachment_failures(claimed, walked.attachments)]
    return PdfReport(
        version=_version(pdf),
        claimed=claimed,
        failures=tuple(failures) if claimed else (),
        encrypted=pdf.is_encrypted,
        has_javascript=walked.javascript,
        checked_with=(_pikepdf(),),
    )


def _failures(pdf: pikepdf.Pdf, walked: _Walk) -> list[str]:
    failures = _output_intent_failures(pdf.Root)
    if walked.fonts_not_embedded:
        failures.append(FONTS_NOT_EMBEDDED.format(fonts=", ".join(sorted(walked.fonts_not_embedded))))
    if pdf.is_encrypted:
        failures.append(IS_ENCRYPTED)
    if walked.javascript:
        failures.append(HAS_JAVASCRIPT)
    if pdf.get_warnings():
        failures.append(REPAIRED)
    if walked.too_large:
        failures.append(TOO_LARGE)
    return failures


def _claim(pdf: pikepdf.Pdf) -> tuple[str, list[str]]:
    """The claim as written ("PDF/A-2b"), and its failure when no such part and level exist."""
    if not _xmp_fits(pdf.Root):
        return "", []
    meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    # Cut short: a hostile claim could be pages long, and it becomes the file's label.
    part = str(meta.get("pdfaid:part", "")).strip()[:8]
    conformance = str(meta.get("pdfaid:conformance", "")).strip().upper()[:8]
    if not part:
        return "", []
    claimed = f"PDF/A-{part}{conformance.lower()}"
    if conformance in CONFORMANCE_LEVELS.get(part, set()):
        return claimed, []
    return claimed, [BAD_CLAIM.format(part=part, conformance=conformance)]


def _xmp_fits(root: pikepdf.Object) -> bool:
    """Whether the XMP packet is read whole within MAX_XMP_BYTES. PDF/A wants it unfiltered; a
    Flate one is measured by inflating it at most that far, any other filter is not read."""
    stream = root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return True
    length = stream.get("/Length")
    if not isinstance(length, int) or length > MAX_XMP_BYTES:
        return False
    filters = stream.get("/Filter")
    if filters is None:
        return True
    if list(filters if isinstance(filters, pikepdf.Array) else [filters]) != [pikepdf.Name.FlateDecode]:
        return False
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(stream.read_raw_bytes(), MAX_XMP_BYTES)
    except zlib.error:
        return False
    return not inflater.unconsumed_tail


def _output_intent_failures(root: pikepdf.Object) -> list[str]:
    intents = root.get("/OutputIntents")
    pdfa = [
        intent
        for intent in (intents if isinstance(intents, pikepdf.Array) else [])
        if isinstance(intent, pikepdf.Dictionary) and intent.get("/S") == pikepdf.Name.GTS_PDFA1
    ]
    if not pdfa:
        return [NO_OUTPUT_INTENT]
    if not any(isinstance(intent.get("/DestOutputProfile"), pikepdf.Stream) for intent in pdfa):
        return [NO_PROFILE]
    return []


def _attachment_failures(claimed: str, attachments: Sequence[pikepdf.Object]) -> list[str]:
    if claimed.startswith("PDF/A-1") and attachments:
        return [HAS_ATTACHMENTS]
    unrelated = [_file_name(spec) for spec in attachments if "/AFRelationship" not in spec]
    if claimed.startswith("PDF/A-3") and unrelated:
        return [NO_RELATIONSHIP.format(files=", ".join(sorted(unrelated)))]
    return []


class _Walk:
    """What every dictionary and stream reachable from the catalog says, each object visited once."""

    def __init__(self, root: pikepdf.Object) -> None:
        self.fonts_not_embedded: set[str] = set()
        self.javascript = False
        self.attachments: list[pikepdf.Object] = []
        self.too_large = False
        try:
            for dictionary in _reachable(root):
                self._note(dictionary)
        except TooLarge:
            self.too_large = True

    def _note(self, dictionary: pikepdf.Object) -> None:
        if "/JS" in dictionary or dictionary.get("/S") == pikepdf.Name.JavaScript:
            self.javascript = True
        if "/EF" in dictionary:
            self.attachments.append(dictionary)
        subtype = _name(dictionary.get("/Subtype"))
        if subtype in FONT_SUBTYPES and subtype not in FONTS_WITHOUT_PROGRAM and not _embedded(dictionary):
            self.fonts_not_embedded.add(_name(dictionary.get("/BaseFont")).decode("ascii", "replace").lstrip("/"))


def _reachable(root: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Each dictionary and stream (its dictionary) reachable from `root`; TooLarge past MAX_VALUES
    values looked at. Direct objects nest as a tree and indirect ones are visited once, so it ends."""
    seen: set[tuple[int, int]] = set()
    pending = [root]
    budget = MAX_VALUES
    while pending:
        container = pending.pop()
        if container.is_indirect:
            if container.objgen in seen:
                continue
            seen.add(container.objgen)
        is_array = isinstance(container, pikepdf.Array)
        keys = () if is_array else set(container.keys()) - NOT_FOLLOWED
        budget -= len(container) if is_array else len(keys)
        if budget < 0:
            raise TooLarge
        if is_array:
            values = list(container)
        else:
            yield container
            values = [container[key] for key in keys]
        pending.extend(value for value in values if isinstance(value, CONTAINERS))


def _name(value: object) -> bytes:
    """A name as written ("/Type1", other bytes escaped as #xx); b"" for anything else. Names need
    not be UTF-8, so they are never made into str."""
    return value.unparse() if isinstance(value, pikepdf.Name) else b""


def _embedded(font: pikepdf.Object) -> bool:
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(program in descriptor for program in FONT_PROGRAMS)


def _file_name(spec: pikepdf.Object) -> str:
    return str(spec.get("/UF") or spec.get("/F") or "?")


def _version(pdf: pikepdf.Pdf) -> str:
    # Since PDF 1.4 the catalog's /Version overrides the header's when later.
    versions = [pdf.pdf_version, _name(pdf.Root.get("/Version")).decode("ascii", "replace").lstrip("/")]
    return max((version for version in versions if _is_version(version)), key=_version_key, default="")


def _is_version(text: str) -> bool:
    major, dot, minor = text.partition(".")
    return bool(dot) and major.isdigit() and minor.isdigit()


def _version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def _header_version(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(1024)
    start = head.find(b"%PDF-")
    version = head[start + 5 : start + 8].decode("ascii", "replace") if start >= 0 else ""
    return version if _is_version(version) else ""


def _with_verapdf(report: PdfReport, path: Path) -> PdfReport:
    verdict = verapdf_report(path)
    if verdict is None:
        return report
    failures = report.failures
    if not verdict.compliant:
        rules = verdict.failed_rules[:FAILURES_SHOWN] or ("non conforme",)
        failures = (*failures, *(f"veraPDF {rule}" for rule in rules))
    return PdfReport(
        report.version,
        report.claimed,
        failures,
        report.encrypted,
        report.has_javascript,
        checked_with=(*report.checked_with, f"veraPDF ({verdict.profile})"),
    )


def _verapdf_from_json(output: bytes) -> VeraPdfReport | None:
    job = json.loads(output)["report"]["jobs"][0]
    result = job.get("validationResult")
    if isinstance(result, list):  # a list since veraPDF 1.24, one report per profile
        result = result[0] if result else None
    if not isinstance(result, dict):
        return None
    summaries = result.get("details", {}).get("ruleSummaries", [])
    failed = [rule for rule in summaries if str(rule.get("status", rule.get("ruleStatus", ""))).lower() == "failed"]
    return VeraPdfReport(
        bool(result["compliant"]),
        str(result.get("profileName", "")),
        tuple(
            f"{rule.get('clause')}-{rule.get('testNumber')}: {rule.get('description', '')}".strip() for rule in failed
        ),
    )


def _verapdf_from_xml(output: bytes) -> VeraPdfReport | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    found = etree.fromstring(output, parser).find(".//validationReport")
    if found is None:
        return None
    failed = found.findall(".//rule[@status='failed']")
    return VeraPdfReport(
        found.get("isCompliant") == "true",
        found.get("profileName", ""),
        tuple(
            f"{rule.get('clause')}-{rule.get('testNumber')}: {(rule.findtext('description') or '').strip()}"
            for rule in failed
        ),
    )


def _pikepdf() -> str:
    return f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})"
