"""Notifications as the sandbox gateway sends them, for tests that deliver them by hand."""

import json
import time
import uuid

from django.conf import settings
from django.urls import reverse

from lib import signing


def event(order, *, kind="payment.succeeded", payment_id=None, amount=None, currency=None, **data) -> bytes:
    body = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "data": {
            "id": payment_id or f"sbx_{uuid.uuid4().hex}",
            "amount": str(order.total if amount is None else amount),
            "currency": currency or order.currency,
            "metadata": {"order_number": order.number},
        }
        | data,
    }
    return json.dumps(body).encode()


def deliver(client, body: bytes, *, at: float | None = None, secret: str | None = None):
    header = signature(body, secret=secret, at=at)
    return client.post(
        reverse("payments:webhook", args=["sandbox"]),
        body,
        content_type="application/json",
        headers={signing.HEADER: header},
    )


def signature(body: bytes, *, secret: str | None = None, at: float | None = None) -> str:
    return signing.sign(
        secret=secret or settings.SANDBOX_WEBHOOK_SECRET, body=body, timestamp=int(time.time() if at is None else at)
    )
