"""A document's bytes over HTTP as a client that resumes and caches expects them: a strong ETag (its
SHA-256, which never changes), Repr-Digest (RFC 9530), If-None-Match answered 304 without reading
the file, and one byte range (RFC 9110: 206 with Content-Range, 416 when it lies past the end)."""

import base64
import re

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from api.errors import ApiError
from archive.models import Document
from archive.selectors import Download

CHUNK_BYTES = 256 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def document_etag(document: Document) -> str:
    return f'"{document.sha256}"'


def not_modified(request: HttpRequest, document: Document) -> HttpResponse | None:
    asked = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if document_etag(document) in asked or "*" in asked:
        response = HttpResponseNotModified()
        response["ETag"] = document_etag(document)
        return response
    return None


def file_response(request: HttpRequest, download: Download) -> HttpResponse:
    span = _range(request, download)
    if span is None:
        response: HttpResponse | StreamingHttpResponse = FileResponse(download.file, content_type=download.content_type)
    else:
        start, end = span
        download.file.seek(start)
        response = StreamingHttpResponse(_read(download.file, end - start + 1), status=206)
        response["Content-Type"] = download.content_type
        response["Content-Range"] = f"bytes {start}-{end}/{download.size}"
        response["Content-Length"] = str(end - start + 1)
    response["Content-Disposition"] = content_disposition_header(True, download.name)
    response["ETag"] = f'"{download.sha256}"'
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(download.sha256)).decode()}:"
    response["Accept-Ranges"] = "bytes"
    return response


def _range(request: HttpRequest, download: Download) -> tuple[int, int] | None:
    """The one range asked for, or None for the whole file (no Range, several ranges, an If-Range
    for another version, or a Range this API does not read)."""
    asked = request.headers.get("Range", "")
    match = RANGE.fullmatch(asked.strip())
    if not match or not any(match.groups()):
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != f'"{download.sha256}"':
        return None
    first, last = match.groups()
    size = download.size
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        download.file.close()
        raise ApiError(
            416,
            "range_not_satisfiable",
            _("L'intervallo chiesto è fuori dal file, che ha %(size)d byte.") % {"size": size},
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, end


def _read(file, remaining: int):
    try:
        while remaining > 0:
            chunk = file.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        file.close()
