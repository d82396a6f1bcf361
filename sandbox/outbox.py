"""The sandbox gateway's outbox: notifications are signed when sent and posted to Conserva's
webhook URL, as a real gateway posts them. The sandbox lives inside the app and needs no public
address, so the request goes through Django's URL resolver instead of the network; it knows
Conserva only by that URL and the shared secret."""

import time

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import resolve, reverse

from lib import clock, signing
from sandbox.models import Notification

WEBHOOK_URL_NAME = "payments:webhook"
PROVIDER_CODE = "sandbox"


def deliver(notification_id: int) -> str:
    """Signs the notification now and posts it; returns what Conserva answered."""
    notification = Notification.objects.get(pk=notification_id)
    status, answer = _post(notification.body.encode())
    Notification.objects.filter(pk=notification.pk).update(
        attempts=F("attempts") + 1,
        last_response=f"{status} {answer}"[:300],
        delivered_at=Coalesce("delivered_at", Value(clock.now())) if status == 200 else F("delivered_at"),
    )
    return answer


def _post(body: bytes) -> tuple[int, str]:
    path = reverse(WEBHOOK_URL_NAME, kwargs={"code": PROVIDER_CODE})
    request = HttpRequest()
    request.method, request.path, request.path_info = "POST", path, path
    request.META = {
        "CONTENT_TYPE": "application/json",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_" + signing.HEADER.upper().replace("-", "_"): signing.sign(
            secret=settings.SANDBOX_WEBHOOK_SECRET, body=body, timestamp=int(time.time())
        ),
    }
    request._body = body  # what request.body returns, as if read from the wire
    match = resolve(path)
    response = match.func(request, *match.args, **match.kwargs)
    return response.status_code, response.content.decode()


def undelivered():
    return Notification.objects.filter(delivered_at=None).order_by("pk")
