"""Where the archive's files are kept: one interface, a local folder by default.

Files are written first to a staging name while they stream in, then given their content-addressed
name, `<service>/<aa>/<bb>/<sha256>`, under the service's row lock and inside the deposit's
transaction. A name, once given, is never written again: an identical file reuses it. A crash
leaves at most a staged or an unreferenced file, which `manage.py archive_orphans` finds.

Another backend (S3-compatible, say) implements BlobStorage and is named in
CONSERVA_ARCHIVE_STORAGE_BACKEND.
"""

import hashlib
import logging
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: float  # seconds since the epoch


def blob_name(service_public_id: uuid.UUID, sha256: str) -> str:
    return f"{service_public_id}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def parse_blob_name(name: str) -> tuple[uuid.UUID, str] | None:
    """The service and the hash a blob's name stands for; None for a name the archive never gives."""
    parts = name.split("/")
    try:
        service = uuid.UUID(parts[0])
    except (ValueError, IndexError):
        return None
    sha256 = parts[-1]
    return (service, sha256) if len(parts) == 4 and name == blob_name(service, sha256) else None


class Staging(ABC):
    """A file being written under a temporary name; discarded if the block it is used in fails."""

    @abstractmethod
    def write(self, chunk: bytes) -> None: ...

    @abstractmethod
    def finish(self) -> str:
        """Makes the written bytes durable and gives the staged file's key."""

    @abstractmethod
    def abort(self) -> None: ...

    @property
    def local_path(self) -> Path | None:
        """Where the bytes are on this machine, for the checks that read a file again (a PDF, a
        signature); None when they are elsewhere (a bucket), and ingest keeps a local copy."""
        return None

    def __enter__(self) -> "Staging":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is not None:
            self.abort()


class BlobStorage(ABC):
    @abstractmethod
    def stage(self) -> Staging: ...

    @abstractmethod
    def promote(self, staged: str, blob: str, size: int) -> bool:
        """Gives a staged file its blob name; False when an identical blob was already there (reused)."""

    @abstractmethod
    def discard(self, staged: str) -> None:
        """Removes a staged file; nothing happens if it is already gone."""

    @abstractmethod
    def open(self, blob: str) -> BinaryIO: ...

    @abstractmethod
    def delete(self, blob: str) -> None: ...

    @abstractmethod
    def blobs(self) -> Iterator[StoredFile]: ...

    @abstractmethod
    def staged_files(self) -> Iterator[StoredFile]: ...


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def blob_storage() -> BlobStorage:
    backend: type[BlobStorage] = import_string(settings.ARCHIVE_STORAGE_BACKEND)
    return backend()


class LocalStaging(Staging):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("xb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    @property
    def local_path(self) -> Path:
        return self.path

    def finish(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self.path.name

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class LocalBlobStorage(BlobStorage):
    """A folder (CONSERVA_ARCHIVE_ROOT, by default var/archive) with `blobs/` and `staging/` on the
    same file system, so that giving a staged file its name is a hard link: atomic, and it fails
    rather than replace a file already there."""

    def __init__(self, root: Path | None = None) -> None:
        root = Path(root or settings.ARCHIVE_STORAGE_ROOT)
        self._blobs, self._staging = root / "blobs", root / "staging"

    def stage(self) -> LocalStaging:
        _make_folders(self._staging)
        return LocalStaging(self._staging / f"{uuid.uuid4().hex}.part")

    def promote(self, staged: str, blob: str, size: int) -> bool:
        source, target = self._staging / staged, self._blobs / blob
        _make_folders(target.parent)
        try:
            os.link(source, target)
        except FileExistsError:
            # Only an unreferenced file can be here (the caller holds the service's lock and found no
            # document with this hash). It is kept, never rewritten, only if it still is what its name says.
            if target.stat().st_size == size and _sha256_of(target) == blob.rsplit("/", 1)[-1]:
                source.unlink()
                return False
            # A file half-written by no one: blobs are linked whole. Only an unreferenced one can be
            # here (the caller holds the service's lock and found no document with this hash).
            logger.warning("archive: blob %s had the wrong size; replaced by the new copy", blob)
            os.replace(source, target)
        else:
            source.unlink()
        target.chmod(0o444)
        _sync_folder(target.parent)
        return True

    def discard(self, staged: str) -> None:
        (self._staging / staged).unlink(missing_ok=True)

    def open(self, blob: str) -> BinaryIO:
        return (self._blobs / blob).open("rb")

    def delete(self, blob: str) -> None:
        (self._blobs / blob).unlink(missing_ok=True)

    def blobs(self) -> Iterator[StoredFile]:
        return _files(self._blobs)

    def staged_files(self) -> Iterator[StoredFile]:
        return _files(self._staging)


def _files(root: Path) -> Iterator[StoredFile]:
    for folder, _subfolders, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder) / name
            status = path.stat()
            yield StoredFile(path.relative_to(root).as_posix(), status.st_size, status.st_mtime)


def _make_folders(folder: Path) -> None:
    """Creates what is missing of `folder`, each new folder made durable in its parent."""
    if folder.is_dir():
        return
    _make_folders(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        return  # another deposit made it at the same moment
    _sync_folder(folder.parent)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
