"""One file of a package, read once: each chunk is hashed, written to staging and, for the formats
whose content says something, read as it passes. Nothing is read a second time, and only a signed
file's envelope (up to ARCHIVE_SIGNED_MAX_BYTES) is held in memory, to be opened."""

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from archive.errors import ArchiveError
from archive.formats import HEAD_BYTES, Format, identify, require_allowed, require_matching_name
from archive.invoices import XmlReader
from archive.metadata import Metadata
from archive.names import extension, without_extension
from archive.packages import Incoming
from archive.signed import signed_content
from archive.storage import BlobStorage

NESTED_SIGNATURES = 3  # a .p7m.p7m is signed twice; deeper is no document


@dataclass(frozen=True)
class Ingested:
    name: str
    staged: str
    sha256: str
    size: int
    format: Format
    signed_format: Format | None  # what a .p7m holds
    described: Metadata | None  # what the document says of itself (a FatturaPA)


@dataclass(frozen=True)
class Rules:
    allowed_formats: list[str]
    class_name: str


class ContentReader(Protocol):
    def feed(self, chunk: bytes) -> None: ...

    def close(self) -> tuple[Format | None, Metadata | None]: ...


def ingest(item: Incoming, storage: BlobStorage, rules: Rules) -> Ingested:
    """Streams `item` to staging; the staged file is removed if anything about it is refused."""
    digest, size, head = hashlib.sha256(), 0, bytearray()
    recognised: tuple[Format, ContentReader] | None = None
    with storage.stage() as staging:
        for chunk in item.chunks():
            digest.update(chunk)
            staging.write(chunk)
            size += len(chunk)
            if size > settings.ARCHIVE_FILE_MAX_BYTES:
                raise ArchiveError(_("Il file supera la dimensione massima ammessa per un documento."))
            if recognised is not None:
                recognised[1].feed(chunk)
                continue
            head += chunk
            if len(head) >= HEAD_BYTES:
                recognised = _recognised(bytes(head), item.name, rules)
        if size == 0:
            raise ArchiveError(_("Il file è vuoto."))
        found, reader = recognised or _recognised(bytes(head), item.name, rules)
        signed_format, described = reader.close()
        staged = staging.finish()
    return Ingested(item.name, staged, digest.hexdigest(), size, found, signed_format, described)


def _recognised(head: bytes, name: str, rules: Rules) -> tuple[Format, ContentReader]:
    found = identify(head, name)
    require_matching_name(found, name)
    require_allowed(found, rules.allowed_formats, rules.class_name)
    reader = _reader(found, name, rules)
    reader.feed(head)
    return found, reader


def _reader(found: Format, name: str, rules: Rules, depth: int = 0) -> ContentReader:
    if found == Format.XML:
        return InvoiceReader()
    if found == Format.P7M:
        return SignedReader(without_extension(name), rules, depth)
    return IgnoredContent()


class IgnoredContent:
    def feed(self, chunk: bytes) -> None:
        pass

    def close(self) -> tuple[Format | None, Metadata | None]:
        return None, None


class InvoiceReader:
    def __init__(self) -> None:
        self._xml = XmlReader()

    def feed(self, chunk: bytes) -> None:
        self._xml.feed(chunk)

    def close(self) -> tuple[Format | None, Metadata | None]:
        return None, self._xml.close()


class SignedReader:
    """Holds the envelope, then opens it and reads the signed document as any other file."""

    def __init__(self, inner_name: str, rules: Rules, depth: int) -> None:
        self._inner_name, self._rules, self._depth = inner_name, rules, depth
        self._data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._data += chunk
        if len(self._data) > settings.ARCHIVE_SIGNED_MAX_BYTES:
            raise ArchiveError(_("Il file firmato supera la dimensione che possiamo aprire per verificarlo."))

    def close(self) -> tuple[Format | None, Metadata | None]:
        if self._depth >= NESTED_SIGNATURES:
            raise ArchiveError(_("Il file è firmato troppe volte, una busta dentro l'altra."))
        content = signed_content(bytes(self._data))
        inner = identify(content[:HEAD_BYTES], self._inner_name)
        if extension(self._inner_name):
            require_matching_name(inner, self._inner_name)
        require_allowed(inner, self._rules.allowed_formats, self._rules.class_name)
        reader = _reader(inner, self._inner_name, self._rules, self._depth + 1)
        reader.feed(content)
        nested_format, described = reader.close()
        return nested_format or inner, described
