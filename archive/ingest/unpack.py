"""A submission package (PdV) as it arrives: several files, or one ZIP, turned into named items
whose bytes are read once, in chunks, when they are stored.

A ZIP is checked whole before anything is extracted: entry count, total size and each entry's
compression ratio (a ZIP bomb), encryption, links and names that would leave the package's folder.
Its entries are then streamed with a cap at their declared size.
"""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from archive.errors import ArchiveError, Problem
from archive.ingest.names import clean_name, extension, visible

CHUNK_BYTES = 1024 * 1024
# Below this size a high compression ratio can do no harm (a short text compresses well).
RATIO_FLOOR_BYTES = 1024 * 1024
SHEET_NAMES = ("metadati.csv", "metadati.json")
# Folders that archivers add beside the files (macOS's resource forks).
JUNK_FOLDERS = ("__MACOSX/",)
ENCRYPTED = 0x1
# A central directory entry: 46 bytes, a name of up to 255 characters (1,020 bytes in UTF-8) and
# its extra fields (ZIP64 sizes, times): beyond this per allowed entry, the list is not ours to read.
DIRECTORY_BYTES_PER_ENTRY = 2048
UTF8_NAMES = 0x800


@dataclass(frozen=True)
class Incoming:
    name: str
    declared_size: int | None
    chunks: Callable[[], Iterator[bytes]] = field(repr=False)


@dataclass(frozen=True)
class Package:
    items: list[Incoming]
    sheet: Incoming | None = None


def unpack(files: Sequence[File[bytes]]) -> Package:
    if not files:
        raise ArchiveError(_("Il versamento non contiene alcun file."))
    zips = [upload for upload in files if extension(upload.name or "") == "zip"]
    if zips and len(files) > 1:
        raise ArchiveError(_("Un versamento è fatto di più file oppure di un solo archivio ZIP, non di entrambi."))
    package = _zip_package(zips[0]) if zips else Package(_named(files))
    if len(package.items) > settings.ARCHIVE_PACKAGE_MAX_FILES:
        raise ArchiveError(
            _("Un versamento contiene al massimo %(max)d file.") % {"max": settings.ARCHIVE_PACKAGE_MAX_FILES}
        )
    return package


def _named(files: Sequence[File[bytes]]) -> list[Incoming]:
    """Each upload with its checked name; every refused name is named (its invisible characters shown)."""
    items, problems = [], []
    for upload in files:
        try:
            items.append(incoming(upload))
        except ArchiveError as error:
            problems.append(Problem(visible(upload.name or ""), str(error)))
    if problems:
        raise ArchiveError(_("Il nome di alcuni file non è accettabile."), problems=problems)
    return items


def read_all(item: Incoming, limit: int) -> bytes:
    """A small file (a metadata sheet) whole, refused past `limit` bytes."""
    data = bytearray()
    for chunk in item.chunks():
        data += chunk
        if len(data) > limit:
            raise ArchiveError(_("Il file «%(name)s» è troppo grande.") % {"name": item.name})
    return bytes(data)


def incoming(upload: File[bytes]) -> Incoming:
    return Incoming(clean_name(upload.name or ""), upload.size, lambda: upload.chunks(CHUNK_BYTES))


def _zip_package(upload: File[bytes]) -> Package:
    _refuse_long_directory(upload)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ArchiveError(_("Il file ZIP non è leggibile.")) from None
    entries = [info for info in archive.infolist() if not info.is_dir() and not info.filename.startswith(JUNK_FOLDERS)]
    if not entries:
        raise ArchiveError(_("Il file ZIP è vuoto."))
    if len(entries) > settings.ARCHIVE_PACKAGE_MAX_FILES:
        raise ArchiveError(
            _("Un versamento contiene al massimo %(max)d file.") % {"max": settings.ARCHIVE_PACKAGE_MAX_FILES}
        )
    if sum(info.file_size for info in entries) > settings.ARCHIVE_ZIP_MAX_BYTES:
        raise ArchiveError(_("Il file ZIP, una volta estratto, supera la dimensione ammessa: non lo apriamo."))
    problems, items = [], []
    for info in entries:
        name = _entry_name(info)
        try:
            items.append(Incoming(_checked(info, name), info.file_size, _entry_reader(archive, info)))
        except ArchiveError as error:
            problems.append(Problem(name, str(error)))
    if problems:
        raise ArchiveError(_("Il file ZIP contiene file non accettabili."), problems=problems)
    sheets = [item for item in items if item.name in SHEET_NAMES]
    return Package([item for item in items if item.name not in SHEET_NAMES], sheets[0] if sheets else None)


def _refuse_long_directory(upload: File[bytes]) -> None:
    """Reads the ZIP's end record alone, so that a list of a million entries is refused before
    zipfile reads it whole into memory: by the count it declares, and by the list's size, which
    zipfile reads whatever the count says. The end record's reader is zipfile's own."""
    try:
        upload.seek(0)
        end = zipfile._EndRecData(upload)  # type: ignore[attr-defined]
        upload.seek(0)
    except OSError:
        end = None
    if end is None:
        raise ArchiveError(_("Il file ZIP non è leggibile."))
    limit = settings.ARCHIVE_PACKAGE_MAX_FILES
    if end[zipfile._ECD_ENTRIES_TOTAL] > limit or end[zipfile._ECD_SIZE] > limit * DIRECTORY_BYTES_PER_ENTRY:  # type: ignore[attr-defined]
        raise ArchiveError(_("Un versamento contiene al massimo %(max)d file.") % {"max": limit})


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name; one written in UTF-8 without saying so (the flag) is read as UTF-8."""
    if info.flag_bits & UTF8_NAMES:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _checked(info: zipfile.ZipInfo, name: str) -> str:
    if info.flag_bits & ENCRYPTED:
        raise ArchiveError(_("Il file nello ZIP è cifrato: versalo senza password."))
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveError(_("Il file nello ZIP è un collegamento, non un documento."))
    ratio_limit = settings.ARCHIVE_ZIP_MAX_RATIO
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max(info.compress_size, 1) * ratio_limit:
        raise ArchiveError(
            _("Il file nello ZIP si espande più di %(ratio)d volte: non lo apriamo.") % {"ratio": ratio_limit}
        )
    return clean_name(name, folders=True)


def _entry_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        read = 0
        try:
            with archive.open(info) as entry:
                while chunk := entry.read(CHUNK_BYTES):
                    read += len(chunk)
                    if read > info.file_size:
                        raise ArchiveError(_("Il file nello ZIP è più grande di quanto dichiara: non lo apriamo."))
                    yield chunk
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, zlib.error, lzma.LZMAError) as error:
            raise ArchiveError(_("Il file nello ZIP è danneggiato o compresso in modo non supportato.")) from error

    return chunks
