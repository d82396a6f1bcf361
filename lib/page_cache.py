"""A page's HTML kept in this process and served again while nothing it shows has changed.

A cached view names its scope: whose data it shows and at which revision (for a customer's pages,
accounts.access.customer_scope). The key joins that scope to the language, the day, the path with
its query and the view; a change to the data advances the revision (accounts.revisions), so the
next request finds no entry under the new key and renders the page again. Entries also expire
after PAGE_CACHE_SECONDS, a safety net for a change no revision records.

What differs on every response is rendered as a marker and filled in on each: the CSRF token
(through the context processor below) and a fresh UUID (fresh_uuid(), for the one-time keys of
forms). Nothing is kept for a request with messages to show, an htmx request, a POST, or an answer
other than a plain 200 HTML page without cookies of its own."""

import contextvars
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from lib import clock

CACHE_ALIAS = "pages"
# Random in each process: no page can contain them by chance, and the pages kept under them must
# stay in this process (a LocMemCache; a cache shared between processes would serve them unfilled).
CSRF_MARKER = f"csrf{secrets.token_hex(30)}"
UUID_MARKER = uuid.uuid4()
_UUID_MARKER_TEXTS = re.compile(f"{UUID_MARKER}|{UUID_MARKER.hex}".encode())

_rendering_for_cache: contextvars.ContextVar[bool] = contextvars.ContextVar("rendering_for_cache", default=False)


def fresh_uuid() -> uuid.UUID:
    """A new UUID for each response, cached or not (as a form field's initial value)."""
    return UUID_MARKER if _rendering_for_cache.get() else uuid.uuid4()


def per_response(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is rendered to be kept, its CSRF tokens are a marker."""
    return {"csrf_token": CSRF_MARKER} if _rendering_for_cache.get() else {}


View = Callable[..., HttpResponse]


def cached_page(scope_of: Callable[[HttpRequest], str]) -> Callable[[View], View]:
    """Serves the view's page from the cache under the scope that scope_of(request) names. Put it
    below the decorators that check who may see the page; above them only where a page can be
    kept solely by a request they let in, with the same scope (panel.access.kept_panel_page)."""

    def decorator(view: View) -> View:
        view_name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _may_keep(request):
                return view(request, *args, **kwargs)
            key = _key(request, view_name, scope_of(request))
            kept = caches[CACHE_ALIAS].get(key)
            if kept is not None:
                content, content_type = kept
                return HttpResponse(_filled(content, request), content_type=content_type)
            marker = _rendering_for_cache.set(True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                _rendering_for_cache.reset(marker)
            if response.streaming:
                return response
            if _worth_keeping(request, response):
                kept = (response.content, response["Content-Type"])
                caches[CACHE_ALIAS].set(key, kept, settings.PAGE_CACHE_SECONDS)
            response.content = _filled(response.content, request)
            return response

        return wrapper

    return decorator


def _may_keep(request: HttpRequest) -> bool:
    if settings.PAGE_CACHE_SECONDS <= 0:  # 0 keeps no page
        return False
    if request.method != "GET" or request.headers.get("HX-Request"):
        return False
    return not len(messages.get_messages(request))  # len() leaves them to be shown


def _key(request: HttpRequest, view_name: str, scope: str) -> str:
    where = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"{view_name}:{scope}:{get_language()}:{clock.today().isoformat()}:{where}"


def _worth_keeping(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"].startswith("text/html")
        and not response.cookies
        and not len(messages.get_messages(request))  # none added while it rendered
    )


def _filled(data: bytes, request: HttpRequest) -> bytes:
    if CSRF_MARKER.encode() in data:
        data = data.replace(CSRF_MARKER.encode(), get_token(request).encode())
    return _UUID_MARKER_TEXTS.sub(lambda match: _like(match.group()), data)


def _like(marker: bytes) -> bytes:
    fresh = uuid.uuid4()
    return (str(fresh) if b"-" in marker else fresh.hex).encode()
