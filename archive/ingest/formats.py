"""Formats the archive accepts (AgID Linee Guida 2021, Allegato 2): the codes documents keep, and
the media types and extensions of each. What a file is, is decided from its content by
archive.ingest.identify (PRONOM through siegfried, libmagic for the rest)."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy

# Enough of a file's beginning for libmagic to name every format below.
HEAD_BYTES = 64 * 1024


class Format(models.TextChoices):
    PDF = "PDF", "PDF"
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
    Format.P7M: Spec(("application/pkcs7-mime", "application/pkcs7-signature"), ("p7m", "p7s")),
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
