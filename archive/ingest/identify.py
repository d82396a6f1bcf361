"""What a staged file is, from its content alone: PRONOM's signatures through siegfried (pygfried)
name it with a PUID, a name and a version; libmagic names what PRONOM leaves to it (the kinds of
plain text: CSV, a base64 .p7m, XML without its declaration) and what PRONOM does not recognise.

Then the file's name must agree with its content (a text named "verbale.pdf" is refused), and a
class that lists its formats refuses unknown content and the formats it does not list.

siegfried maps the file and reads it whole when a signature may match anywhere (a PDF's, or any
content it does not know): about 8 s a gigabyte here, with the pages mapped from the file rather than
copied into the process's memory. It holds the GIL meanwhile.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import magic
import pygfried
from django.utils.translation import gettext_lazy

from archive.ingest import findings
from archive.ingest.findings import Finding, in_record_language
from archive.ingest.formats import BASE64, BLANK, BY_EXTENSION, BY_MEDIA_TYPE, HEAD_BYTES, SPECS, Format
from archive.ingest.names import extension

if TYPE_CHECKING:
    from archive.ingest.staged import Context, StagedFile

PRONOM = "PRONOM"
LIBMAGIC = "libmagic"

NAME_MISMATCH = "format.name_mismatch"
WRONG_EXTENSION = "format.wrong_extension"
NO_EXTENSION = "format.no_extension"
UNKNOWN = "format.unknown"
NOT_ALLOWED = "format.not_allowed"

findings.register(
    {
        NAME_MISMATCH: gettext_lazy(
            "Il file «%(name)s» si chiama come un %(claimed)s, ma il contenuto non lo è: è %(content)s."
        ),
        WRONG_EXTENSION: gettext_lazy(
            "Il nome del file non corrisponde al contenuto: «.%(extension)s», ma il contenuto è %(content)s."
        ),
        NO_EXTENSION: gettext_lazy("Il nome del file non ha l'estensione del suo formato (%(content)s)."),
        UNKNOWN: gettext_lazy("Formato non riconosciuto o non adatto alla conservazione (%(content)s)."),
        NOT_ALLOWED: gettext_lazy(
            "Il formato %(content)s non è ammesso per la classe «%(class_name)s» (ammessi: %(allowed)s)."
        ),
    }
)


def _puids(*ranges: tuple[str, int, int], each: Sequence[str] = ()) -> tuple[str, ...]:
    return (*each, *(f"{prefix}/{number}" for prefix, first, last in ranges for number in range(first, last + 1)))


# PRONOM's identifiers of our formats (PRONOM v120 and later). A PUID not listed is not one of ours,
# whatever its media type: a macro-enabled Word file (fmt/523) is no DOCX.
FORMATS_BY_PUID: Mapping[str, Format] = {
    # PDF 1.0-1.7, 2.0, PDF/A-1a…4f, PDF/X, PDF/E, PDF/UA, portfolios. Illustrator (fmt/558-565)
    # saves its artwork as a PDF with its own data beside: readers open it as any PDF.
    **dict.fromkeys(
        _puids(
            ("fmt", 14, 20),
            ("fmt", 144, 148),
            ("fmt", 476, 481),
            ("fmt", 488, 493),
            ("fmt", 558, 565),
            ("fmt", 1910, 1912),
            each=("fmt/95", "fmt/157", "fmt/158", "fmt/276", "fmt/354", "fmt/1129", "fmt/1451", "fmt/2050", "fmt/2052"),
        ),
        Format.PDF,
    ),
    **dict.fromkeys(("fmt/101", "fmt/1776"), Format.XML),
    "fmt/670": Format.P7M,  # PKCS #7 Cryptographic Message, DER
    **dict.fromkeys(("x-fmt/111", "x-fmt/18"), Format.TXT),
    # TIFF 3-6, Exif (uncompressed), GeoTIFF, TIFF/IT, TIFF/EP, TIFF-FX, BigTIFF
    **dict.fromkeys(
        _puids(("fmt", 7, 10), ("fmt", 153, 156), each=("fmt/353", "fmt/1917", "x-fmt/387", "x-fmt/388", "x-fmt/399")),
        Format.TIFF,
    ),
    # raw JPEG, JFIF 1.00-1.02, Exif (compressed), SPIFF
    **dict.fromkeys(
        _puids(
            ("fmt", 41, 44),
            each=("fmt/112", "fmt/113", "fmt/645", "fmt/1507", "x-fmt/390", "x-fmt/391", "x-fmt/398"),
        ),
        Format.JPEG,
    ),
    **dict.fromkeys(("fmt/11", "fmt/12", "fmt/13", "fmt/935"), Format.PNG),
    **dict.fromkeys(("fmt/136", "fmt/290", "fmt/291", "fmt/1756", "fmt/2044"), Format.ODT),  # ODF 1.0-1.4
    **dict.fromkeys(("fmt/137", "fmt/294", "fmt/295", "fmt/1755", "fmt/2045"), Format.ODS),
    **dict.fromkeys(("fmt/412", "fmt/1827"), Format.DOCX),  # transitional and strict OOXML
    **dict.fromkeys(("fmt/214", "fmt/1828"), Format.XLSX),
    **dict.fromkeys(("fmt/278", "fmt/950"), Format.EML),
}
# What libmagic may tell apart in a file PRONOM matched on its text only: never a PDF or an image,
# which PRONOM would have recognised had the content been one (a text that begins "%PDF-" is a text).
TEXT_KINDS = frozenset({Format.TXT, Format.XML, Format.P7M, Format.EML})
SAMPLE_BYTES = 4 * 1024 * 1024
PDF_HEADER = re.compile(rb"%PDF-(\d\.\d)")


@dataclass(frozen=True)
class Identity:
    format: Format | None  # None: not one of the formats the archive knows
    puid: str  # "" when PRONOM did not recognise the content
    name: str  # PRONOM's name of the format, or libmagic's description
    version: str  # a PDF's from its header ("1.7"), else PRONOM's
    media_type: str
    basis: str  # PRONOM or LIBMAGIC

    @property
    def label(self) -> str:
        """What the file is, to a person: "PDF 1.7", "XML", "Testo" (PDF/A is for archive.ingest.pdfa to say)."""
        if self.format == Format.PDF:
            return f"PDF {self.version}".strip()
        if self.format is not None:
            return str(self.format.label)
        return self.name

    def as_json(self) -> dict[str, str]:
        return {
            "format": self.format.value if self.format else "",
            "puid": self.puid,
            "name": self.name,
            "version": self.version,
            "media_type": self.media_type,
            "basis": self.basis,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Identity:
        code = data.get("format", "")
        return cls(
            Format(code) if code else None,
            data.get("puid", ""),
            data.get("name", ""),
            data.get("version", ""),
            data.get("media_type", ""),
            data.get("basis", ""),
        )


def run(file: StagedFile, context: Context) -> None:
    """The identify stage: what the staged file is, and whether its name and its class agree."""
    file.identity = identify(file.path, file.name)
    rules = context.rules
    file.findings += format_findings(
        file.identity, file.name, allowed=rules.allowed_formats, class_name=rules.class_name
    )
    file.judged_with |= tools()


def identify(path: Path, name: str) -> Identity:
    """`path` holds the whole content (with no extension: siegfried would weigh it); `name` is the
    file's own, which only tells kinds of plain text apart."""
    head = _head(path)
    match = _content_match(path)
    if match is None:
        return _by_libmagic(head, name)
    if _on_text_only(match):
        return _kind_of_text(match, head, name)
    found = FORMATS_BY_PUID.get(match["id"])
    version = _pdf_version(head) if found == Format.PDF else match["version"]
    return Identity(found, match["id"], match["format"], version, _first(match["mime"]), PRONOM)


def format_findings(
    identity: Identity, name: str, *, allowed: Sequence[str], class_name: str, extension_required: bool = True
) -> list[Finding]:
    """At most one error, in this order: the name claims a format the content is not; the content is
    unknown to a class that lists its formats; the name has another extension, or none (the
    document signed in a .p7m may have none: `extension_required=False`); the class does not list it."""
    named = BY_EXTENSION.get(extension(name))
    content = _described(identity)
    if named is not None and named != identity.format:
        return [findings.error(NAME_MISMATCH, name=name, claimed=named.value, content=content)]
    if identity.format is None:
        return [findings.error(UNKNOWN, content=content)] if allowed else []
    if not extension(name) and extension_required:
        return [findings.error(NO_EXTENSION, content=content)]
    if extension(name) and named is None:
        return [findings.error(WRONG_EXTENSION, extension=extension(name), content=content)]
    if allowed and identity.format not in allowed:
        return [
            findings.error(NOT_ALLOWED, content=content, class_name=class_name, allowed=", ".join(map(str, allowed)))
        ]
    return []


def tools() -> dict[str, str]:
    """What identified the files, with its version, for the preservation record."""
    return {"siegfried": pygfried.version(), "libmagic": _libmagic_version()}


def _libmagic_version() -> str:
    number = magic.version()  # type: ignore[no-untyped-call]  # python-magic's stub leaves it untyped
    return f"{number // 100}.{number % 100}"


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)


def _content_match(path: Path) -> pygfried.Match | None:
    """PRONOM's first match on the content. siegfried also names formats from the extension alone,
    and says so only in the match's basis and warning: such a match, or none, names nothing."""
    if path.stat().st_size > 2 * SAMPLE_BYTES:
        return _sample_match(path)
    result = pygfried.identify(str(path), detailed=True)
    for match in result["files"][0]["matches"]:
        if match["ns"] == "pronom" and match["id"] != "UNKNOWN" and _by_content(match):
            return match
    return None


def _sample_match(path: Path) -> pygfried.Match | None:
    """A large file is identified by its first and last SAMPLE_BYTES put end to end: PRONOM's
    signatures are anchored at the beginning or the end of a file, and siegfried maps and reads the
    whole of what it is given (a 1 GB PDF: 9 s holding the interpreter's lock, 1 GB resident)."""
    with path.open("rb") as whole, tempfile.NamedTemporaryFile(dir=path.parent, prefix="campione-") as sample:
        sample.write(whole.read(SAMPLE_BYTES))
        whole.seek(-SAMPLE_BYTES, 2)
        sample.write(whole.read(SAMPLE_BYTES))
        sample.flush()
        return _content_match(Path(sample.name))


def _by_content(match: pygfried.Match) -> bool:
    evidence = [part for part in match["basis"].split("; ") if part and not part.startswith("extension match")]
    return bool(evidence) and "match on extension only" not in match["warning"]


def _on_text_only(match: pygfried.Match) -> bool:
    return "match on text only" in match["warning"]


def _kind_of_text(match: pygfried.Match, head: bytes, name: str) -> Identity:
    seen = _by_libmagic(head, name)
    if seen.format in TEXT_KINDS and seen.format != Format.TXT:
        return seen
    media_type = seen.media_type if seen.media_type in SPECS[Format.TXT].media_types else _first(match["mime"])
    return Identity(Format.TXT, match["id"], match["format"], match["version"], media_type, PRONOM)


def _by_libmagic(head: bytes, name: str) -> Identity:
    media_type = magic.from_buffer(head, mime=True)
    description = magic.from_buffer(head)
    found = _by_description(head, media_type, description, name) or BY_MEDIA_TYPE.get(media_type)
    version = _pdf_version(head) if found == Format.PDF else ""
    return Identity(found, "", description, version, media_type, LIBMAGIC)


def _by_description(head: bytes, media_type: str, description: str, name: str) -> Format | None:
    # libmagic names DER-encoded CMS only in words. Plain text may be a base64-encoded .p7m, or XML
    # without its declaration: the name breaks the tie, and reading the content then proves it.
    if media_type == "application/octet-stream" and "PKCS#7" in description:
        return Format.P7M
    if media_type == "text/plain" and BY_EXTENSION.get(extension(name)) == Format.P7M and set(head) <= BASE64:
        return Format.P7M
    if media_type == "text/plain" and extension(name) == "xml" and head.lstrip(BLANK).startswith(b"<"):
        return Format.XML
    return None


def _pdf_version(head: bytes) -> str:
    # The header may follow up to 1024 bytes of something else, as readers allow.
    found = PDF_HEADER.search(head[:1024])
    return found.group(1).decode() if found else ""


def _described(identity: Identity) -> str:
    """For a finding's parameters, which are kept: in the records' language."""
    if identity.format is not None:
        return in_record_language(lambda: identity.label)
    return f"{identity.name or 'sconosciuto'}, {identity.media_type or 'application/octet-stream'}"


def _first(media_types: str) -> str:
    return media_types.split(",")[0].strip()
