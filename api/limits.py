"""Per-key rate limits: requests are counted per window in the database, so that the limit holds
across processes and machines; the request past the limit is refused with 429 and Retry-After."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from api.errors import ApiError
from api.models import ApiKey, RequestCount
from lib import clock


def request_count(api_key: ApiKey) -> None:
    """Counts one request of the key; raises ApiError(429) past API_RATE_LIMIT in this window."""
    window = settings.API_RATE_LIMIT_WINDOW_SECONDS
    now = clock.now()
    start = datetime.datetime.fromtimestamp(now.timestamp() // window * window, tz=datetime.UTC)
    counted = _counted(api_key, start)
    if counted > settings.API_RATE_LIMIT:
        retry_after = max(1, int((start - now).total_seconds()) + window)
        raise ApiError(
            429,
            "rate_limited",
            _("Limite di %(limit)d richieste ogni %(window)d secondi superato: riprova fra %(seconds)d secondi.")
            % {"limit": settings.API_RATE_LIMIT, "window": window, "seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def _counted(api_key: ApiKey, start: datetime.datetime) -> int:
    rows = RequestCount.objects.filter(api_key=api_key, window_start=start)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RequestCount.objects.create(api_key=api_key, window_start=start, count=1)
            return 1
        except IntegrityError:  # another process counted the window's first request meanwhile
            rows.update(count=F("count") + 1)
    return rows.values_list("count", flat=True).get()
