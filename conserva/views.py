from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from conserva.health import system_health


@login_not_required  # load balancers and monitors ask without signing in; nothing here is a customer's
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when every part is well, 503 naming the parts that are not (make serve waits for it)."""
    parts = system_health()
    failing = [part.name for part in parts if not part.ok]
    body = {
        "status": "error" if failing else "ok",
        "failing": failing,
        "parts": {part.name: {"ok": part.ok, "detail": part.detail} for part in parts},
    }
    return JsonResponse(body, status=503 if failing else 200)


def bench_empty(request: HttpRequest) -> HttpResponse:
    """bench/pages.py's yardstick: a signed-in page that does nothing, behind the same middleware
    and session as every page (served only with CONSERVA_BENCH_EMPTY_VIEW, conserva/urls.py)."""
    return HttpResponse("vuota", content_type="text/plain; charset=utf-8")
