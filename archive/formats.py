"""Formats the archive accepts (AgID Linee Guida 2021, Allegato 2), identified from the content.

Identification is libmagic's, through python-magic: the same library and signature database as
Debian's `file` command, kept up to date with the distribution. The file's name must agree with
what its content is: a ".pdf" that holds anything but a PDF is refused.
"""

from dataclasses import dataclass

import magic
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.errors import ArchiveError
from archive.names import extension

# Enough of a file's beginning for libmagic to name every format below.
HEAD_BYTES = 64 * 1024


class Format(models.TextChoices):
    PDF = "PDF", "PDF (PDF/A)"
    XML = "XML", "XML"
    P7M = "P7M", gettext_lazy("P7M (firmato CAdES)")
    TXT = "TXT", gettext_lazy("Testo")
    TIFF = "TIFF", "TIFF"
    JPEG = "JPEG", "JPEG"
    PNG = "PNG", "PNG"
    ODT = "ODT", "ODT"
    ODS = "ODS", "ODS"
    DOCX = "DOCX", "DOCX"
    XLSX = "XLSX", "XLSX"
    EML = "EML", "EML"


@dataclass(frozen=True)
class Spec:
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]


SPECS = {
    Format.PDF: Spec(("application/pdf",), ("pdf",)),
    Format.XML: Spec(("text/xml", "application/xml"), ("xml",)),
    Format.P7M: Spec(("application/pkcs7-mime", "application/pkcs7-signature"), ("p7m",)),
    Format.TXT: Spec(("text/plain", "text/csv"), ("txt", "csv")),
    Format.TIFF: Spec(("image/tiff",), ("tif", "tiff")),
    Format.JPEG: Spec(("image/jpeg",), ("jpg", "jpeg")),
    Format.PNG: Spec(("image/png",), ("png",)),
    Format.ODT: Spec(("application/vnd.oasis.opendocument.text",), ("odt",)),
    Format.ODS: Spec(("application/vnd.oasis.opendocument.spreadsheet",), ("ods",)),
    Format.DOCX: Spec(("application/vnd.openxmlformats-officedocument.wordprocessingml.document",), ("docx",)),
    Format.XLSX: Spec(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",), ("xlsx",)),
    Format.EML: Spec(("message/rfc822",), ("eml",)),
}
BY_MEDIA_TYPE = {media_type: code for code, spec in SPECS.items() for media_type in spec.media_types}
BY_EXTENSION = {ext: code for code, spec in SPECS.items() for ext in spec.extensions}
BLANK = b"\xef\xbb\xbf \t\r\n"  # a byte-order mark and white space
BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n")


def identify(head: bytes, name: str) -> Format:
    """The format of a file from its first bytes; the name only tells plain text's kinds apart."""
    media_type = magic.from_buffer(head, mime=True)
    found = _by_description(head, media_type, name) or BY_MEDIA_TYPE.get(media_type)
    named = BY_EXTENSION.get(extension(name))
    if found is None and named is not None:
        raise ArchiveError(
            _("Il file si chiama come un %(format)s ma il contenuto non lo è (%(type)s).")
            % {"format": named.label, "type": media_type}
        )
    if found is None:
        raise ArchiveError(
            _("Formato non riconosciuto o non adatto alla conservazione (%(type)s).") % {"type": media_type}
        )
    return found


def require_matching_name(found: Format, name: str) -> None:
    if BY_EXTENSION.get(extension(name)) == found:
        return
    if not extension(name):
        raise ArchiveError(
            _("Il nome del file non ha l'estensione del suo formato (%(format)s).") % {"format": found.label}
        )
    raise ArchiveError(
        _("Il nome del file non corrisponde al contenuto: «.%(extension)s» ma il contenuto è %(format)s.")
        % {"extension": extension(name), "format": found.label}
    )


def _by_description(head: bytes, media_type: str, name: str) -> Format | None:
    # libmagic names DER-encoded CMS only in words. Plain text may be a base64-encoded .p7m, or XML
    # without its declaration: the name breaks the tie, and reading the content then proves it.
    if media_type == "application/octet-stream" and "PKCS#7" in magic.from_buffer(head):
        return Format.P7M
    if media_type == "text/plain" and extension(name) == "p7m" and set(head) <= BASE64:
        return Format.P7M
    if media_type == "text/plain" and extension(name) == "xml" and head.lstrip(BLANK).startswith(b"<"):
        return Format.XML
    return None


def require_allowed(found: Format, allowed: list[str], class_name: str) -> None:
    if found not in allowed:
        raise ArchiveError(
            _("Il formato %(format)s non è ammesso per la classe «%(class)s» (ammessi: %(allowed)s).")
            % {"format": found.label, "class": class_name, "allowed": ", ".join(allowed)}
        )
