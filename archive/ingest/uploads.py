"""Uploads stopped at the limit while they arrive, before Django has spooled them whole.

Django reads a multipart request through its upload handlers; this one comes first and passes each
chunk on, counting: past ARCHIVE_FILE_MAX_BYTES for one file, or past the request's budget (the
service's free space, set by the view or the API's key check as `request.upload_budget` before
the files are read) for all of them, it stops the upload. Django then reads what is left of the
request without keeping it, so an oversized upload never fills the temporary folder, and the view
answers with `request.upload_refusal`. A proxy in front should still cap the body (README).
"""

import html
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import ImmutableList
from django.utils.translation import gettext as _

from archive.errors import ArchiveError, Problem


class DepositUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.file_bytes = 0
        self.total_bytes = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.file_bytes += len(raw_data)
        self.total_bytes += len(raw_data)
        if refusal := self._refusal():
            self.request.upload_refusal = refusal  # type: ignore[union-attr]  # always given by Django's parser
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one make the file

    def _refusal(self) -> str:
        if self.file_bytes > settings.ARCHIVE_FILE_MAX_BYTES:
            return _("Il file «%(name)s» supera la dimensione massima ammessa per un documento (%(most)s).") % {
                "name": self.file_name,
                "most": filesizeformat(settings.ARCHIVE_FILE_MAX_BYTES),
            }
        budget = getattr(self.request, "upload_budget", None)
        if budget is not None and self.total_bytes > budget:
            return _(
                "Spazio insufficiente: i file inviati superano i %(free)s liberi. Aumenta lo spazio dall'Area Clienti."
            ) % {"free": filesizeformat(budget)}
        return ""


def upload_refusal(request: Any) -> str:
    """Why the request's files were stopped while they arrived, or ""."""
    return getattr(request, "upload_refusal", "")


class RawNameMultiPartParser(MultiPartParser):
    """Django's parser, but a file's name keeps its control characters, and "." or ".." stay names:
    Django drops the first silently and the file itself for the second, so a file would be missing
    from its package without a word. The archive refuses such names in words (archive.ingest.names); it
    never uses an uploaded name as a path. The folders before the name are dropped, as Django does."""

    dropped: list[str]

    def sanitize_file_name(self, file_name: str) -> str | None:
        name = html.unescape(file_name).rsplit("/")[-1].rsplit("\\")[-1]
        if name in (".", ".."):  # no uploaded file may be named so (Django's UploadedFile refuses it)
            self.dropped = [*getattr(self, "dropped", []), name]
            return None
        return name or None


def parse_keeping_raw_names(request, meta, post_data):  # type: ignore[no-untyped-def]
    """HttpRequest.parse_file_upload with RawNameMultiPartParser (conserva.middleware installs it)."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers, warning="You cannot alter upload handlers after the upload has been processed."
    )
    parser = RawNameMultiPartParser(meta, post_data, request.upload_handlers, request.encoding)
    parsed = parser.parse()
    request.dropped_upload_names = getattr(parser, "dropped", [])
    return parsed


def dropped_names_refusal(request: Any) -> ArchiveError | None:
    """Files sent with a name no file may have ("." or ".."), which the request arrived without."""
    names = getattr(request, "dropped_upload_names", [])
    if not names:
        return None
    reason = _("Il nome del file è «%(name)s»: un file deve avere un nome vero, non un percorso.")
    return ArchiveError(
        _("Il nome di alcuni file non è accettabile."),
        problems=[Problem(name, reason % {"name": name}) for name in names],
    )
