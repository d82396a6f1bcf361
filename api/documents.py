"""Documents through the API: the panel's search (archive.selectors) by cursor, one document's
metadata, and its bytes, re-hashed before they go out as the panel does."""

import datetime
import re
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BeforeValidator

from api.auth import READ
from api.cursor import cursor_page, page_limit
from api.downloads import file_response, not_modified
from api.errors import ApiError
from api.representations import document_view
from api.schemas import DocumentOut, DocumentPage
from archive.errors import ArchiveError
from archive.selectors import DocumentQuery, document_download, document_for_service, documents_found

router = Router(tags=["documents"])


def _iso_date(value: object) -> object:
    """A date as YYYY-MM-DD only: pydantic would also take a number as seconds since 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date as YYYY-MM-DD")
    if not isinstance(value, str | datetime.date):
        raise ValueError("a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


class DocumentFilters(Schema):
    """The panel's search: every filter may be left out."""

    document_class: str = ""
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    subject_name: str = ""
    tax_id: str = ""
    number: str = ""
    keyword: str = ""
    sha256: str = ""


@router.get("/documents", auth=READ, response=DocumentPage, summary="Search documents, newest first")
def document_list(
    request: HttpRequest,
    filters: Query[DocumentFilters],
    cursor: str = Query("", pattern="^[A-Za-z0-9_-]*$", max_length=200),
    limit: int | None = Query(None, ge=1, le=settings.API_PAGE_SIZE),
):
    query = DocumentQuery(**filters.dict())
    found = documents_found(service=request.auth.service, query=query)
    items, next_cursor = cursor_page(found, time_field="deposited_at", cursor=cursor, limit=page_limit(limit))
    return {"items": [document_view(document) for document in items], "next_cursor": next_cursor}


@router.get("/documents/{uuid:document_id}", auth=READ, url_name="document", response=DocumentOut)
def document_detail(request: HttpRequest, document_id):
    return document_view(document_for_service(service=request.auth.service, public_id=document_id))


@router.get("/documents/{uuid:document_id}/file", auth=READ, url_name="document_file", response={200: None, 206: None})
def document_file(request: HttpRequest, document_id):
    """The exact bytes kept, streamed, checked against their SHA-256 just before; `Range` for a part."""
    service = request.auth.service
    if unchanged := not_modified(request, document_for_service(service=service, public_id=document_id)):
        return unchanged
    try:
        download = document_download(service=service, public_id=document_id)
    except ArchiveError as error:
        raise ApiError(503, "document_unavailable", str(error)) from None
    return file_response(request, download)
