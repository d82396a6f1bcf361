import datetime

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lib import clock
from lifecycle.models import DailyRun
from lifecycle.selectors import runs_health


@login_not_required  # a monitor asks without signing in: the answer names no customer
@never_cache
@require_GET
def runs_health_view(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} when the daily runs can be trusted, 503 {"status": "error"} and the
    reason in words when not (for a monitor: Uptime Kuma, healthchecks, a load balancer)."""
    now = clock.now()
    health = runs_health(now)
    body = {
        "status": "ok" if health.ok else "error",
        "reason": health.reason,
        "last_run": _described(health.last_run, now) if health.last_run else None,
    }
    return JsonResponse(body, status=200 if health.ok else 503)


def _described(run: DailyRun, now: datetime.datetime) -> dict[str, object]:
    return {
        "business_day": run.business_day.isoformat(),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "outcome": "crashed" if run.is_crashed(now) else _OUTCOMES[run.outcome],
        "counts": run.counts(),
        "errors": run.errors.count(),
    }


_OUTCOMES: dict[str, str] = {
    DailyRun.Outcome.RUNNING: "running",
    DailyRun.Outcome.SUCCEEDED: "succeeded",
    DailyRun.Outcome.FAILED: "failed",
    DailyRun.Outcome.CRASHED: "crashed",
}
