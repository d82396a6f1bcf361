from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lib import clock
from lifecycle.selectors import public_reason, runs_health


@login_not_required  # a monitor asks without signing in: the answer names no customer, counts nothing
@never_cache
@require_GET
def runs_health_view(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} when the daily runs can be trusted, 503 {"status": "error"} when not,
    with the last run's finish time and the reason in words (for a monitor: Uptime Kuma,
    healthchecks, a load balancer). What the runs did (renewals placed, charges refused, errors)
    is the business's own: it is shown in the admin, not to anyone who asks here."""
    now = clock.now()
    health = runs_health(now)
    finished_at = health.last_run.finished_at if health.last_run else None
    body = {
        "status": "ok" if health.ok else "error",
        "reason": public_reason(health, now),
        "last_run_finished_at": finished_at.isoformat() if finished_at else None,
    }
    return JsonResponse(body, status=200 if health.ok else 503)
