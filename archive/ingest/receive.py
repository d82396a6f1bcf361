"""The first stage: a file's bytes streamed once to staging, hashed and counted as they pass.

The checks after it read the file again from this machine's disk (a PDF's cross-reference at its
end, a signature's envelope): the staged file itself when the storage is a local folder, else a
local copy written beside it, removed when the deposit ends.
"""

import hashlib
import queue
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from archive.errors import ArchiveError
from archive.ingest.staged import StagedFile
from archive.ingest.unpack import Incoming
from archive.storage import BlobStorage


def receive(item: Incoming, storage: BlobStorage) -> StagedFile:
    """Streams `item` to staging; nothing is left, staged or copied, if it is refused."""
    with _HashInThread() as digest:
        return _received(item, storage, digest)


def _received(item: Incoming, storage: BlobStorage, digest: "_HashInThread") -> StagedFile:
    size = 0
    with storage.stage() as staging:
        copy = None if staging.local_path is not None else _local_copy()
        try:
            for chunk in item.chunks():
                size += len(chunk)
                if size > settings.ARCHIVE_FILE_MAX_BYTES:
                    raise ArchiveError(_("Il file supera la dimensione massima ammessa per un documento."))
                digest.update(chunk)
                staging.write(chunk)
                if copy is not None:
                    copy.write(chunk)
            if size == 0:
                raise ArchiveError(_("Il file è vuoto."))
            staged = staging.finish()
        except BaseException:
            if copy is not None:
                copy.close()
                Path(copy.name).unlink(missing_ok=True)
            raise
    if copy is not None:
        copy.close()
    path = staging.local_path or Path(copy.name)  # type: ignore[union-attr]
    scratch = [] if staging.local_path is not None else [path]
    return StagedFile(name=item.name, staged=staged, path=path, sha256=digest.hexdigest(), size=size, scratch=scratch)


def _local_copy() -> "tempfile._TemporaryFileWrapper[bytes]":
    return tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="conserva-", delete=False)


class _HashInThread:
    """SHA-256 of the chunks on a thread of its own while this one writes them: hashlib and file
    writes both let go of the interpreter's lock, so a large file is hashed and written at once
    rather than one after the other. At most QUEUED_CHUNKS wait in memory."""

    QUEUED_CHUNKS = 4

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUED_CHUNKS)
        self._thread = threading.Thread(target=self._hash, name="sha256", daemon=True)

    def __enter__(self) -> "_HashInThread":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def update(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def hexdigest(self) -> str:
        self._stop()
        return self._digest.hexdigest()

    def _hash(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._digest.update(chunk)

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()
