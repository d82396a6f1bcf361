"""Cursor pagination over a newest-first list: the cursor is the last item's (time, id), opaque to
callers, so that a page never repeats or skips an item when new ones arrive meanwhile."""

import base64
import datetime
import json
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from api.errors import ApiError


def cursor_page(items: QuerySet, *, time_field: str, cursor: str, limit: int) -> tuple[Sequence, str | None]:
    """The `limit` items after `cursor` in (time_field DESC, id DESC) order, and the next page's
    cursor (None on the last page)."""
    if cursor:
        time, pk = _decoded(cursor)
        items = items.filter(Q(**{f"{time_field}__lt": time}) | Q(**{time_field: time, "pk__lt": pk}))
    page = list(items.order_by(f"-{time_field}", "-pk")[: limit + 1])
    if len(page) <= limit:
        return page, None
    last = page[limit - 1]
    return page[:limit], _encoded(getattr(last, time_field), last.pk)


def _encoded(time: datetime.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([time.isoformat(), pk]).encode()).decode().rstrip("=")


def _decoded(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        time, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.datetime.fromisoformat(time)
        if not isinstance(pk, int) or moment.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", _("Cursore non valido: usa quello dell'ultima risposta.")) from None
    return moment, pk


def page_limit(asked: int | None) -> int:
    """The page size asked for, API_PAGE_SIZE when none is."""
    if asked is None:
        return settings.API_PAGE_SIZE
    if not 1 <= asked <= settings.API_PAGE_SIZE:
        raise ApiError(
            422,
            "invalid_request",
            _("«limit» va da 1 a %(most)d.") % {"most": settings.API_PAGE_SIZE},
            extra={"errors": [{"field": "limit", "message": f"between 1 and {settings.API_PAGE_SIZE}"}]},
        )
    return asked
