"""What the API keeps only for a while: the request counts of windows long closed, the answers
replayed under an Idempotency-Key once a retry can no longer come (API_IDEMPOTENCY_KEEP_HOURS),
and the webhook calls delivered or given up a month ago."""

import datetime

from django.conf import settings

from api.models import IdempotentRequest, RequestCount, WebhookDelivery
from lib import clock


def api_prune() -> dict[str, int]:
    """Deletes what is no longer needed; says how many rows of each kind."""
    now = clock.now()
    window = datetime.timedelta(seconds=settings.API_RATE_LIMIT_WINDOW_SECONDS)
    counts, _ = RequestCount.objects.filter(window_start__lt=now - 2 * window).delete()
    answers, _ = IdempotentRequest.objects.filter(
        created_at__lt=now - datetime.timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS)
    ).delete()
    done = WebhookDelivery.objects.filter(next_attempt_at=None, created_at__lt=now - datetime.timedelta(days=30))
    deliveries, _ = done.delete()
    return {"request counts": counts, "idempotent answers": answers, "webhook deliveries": deliveries}
