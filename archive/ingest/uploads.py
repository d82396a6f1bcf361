"""Uploads stopped at the limit while they arrive, before Django has spooled them whole.

Django reads a multipart request through its upload handlers; this one comes first and passes each
chunk on, counting: past ARCHIVE_FILE_MAX_BYTES for one file, or past the request's budget (the
service's free space, set by the view or the API's key check as `request.upload_budget` before
the files are read) for all of them, it stops the upload. Django then reads what is left of the
request without keeping it, so an oversized upload never fills the temporary folder, and the view
answers with `request.upload_refusal`. A proxy in front should still cap the body (README).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class DepositUploadHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.file_bytes = 0
        self.total_bytes = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.file_bytes += len(raw_data)
        self.total_bytes += len(raw_data)
        if refusal := self._refusal():
            self.request.upload_refusal = refusal
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


def upload_refusal(request) -> str:
    """Why the request's files were stopped while they arrived, or ""."""
    return getattr(request, "upload_refusal", "")
