"""A third provider, as a real gateway's module would be: its own page, its own notification
format and signature. Nothing else in Conserva changes to use it."""

import hashlib
import hmac
import json
from decimal import Decimal

from payments.providers.base import PaymentEvent, PaymentProvider, WebhookRefused

SECRET = "gateway-test-secret"  # noqa: S105 - a test double's key


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


class FakeGateway(PaymentProvider):
    code = "gateway"
    label = "Fake Gateway"
    has_webhooks = True

    def start_payment(self, *, order, idempotency_key: str) -> str:
        return f"https://pay.gateway.example/checkout/{idempotency_key}?ref={order.number}"

    def parse_webhook(self, *, body: bytes, headers) -> PaymentEvent:
        if not hmac.compare_digest(signature(body), headers.get("X-Gateway-Signature", "")):
            raise WebhookRefused("bad signature")
        event = json.loads(body)
        return PaymentEvent(
            event_id=event["event"],
            kind=PaymentEvent.SUCCEEDED if event["status"] == "captured" else PaymentEvent.FAILED,
            order_number=event["reference"],
            payment_id=event["charge"],
            amount=Decimal(event["amount_cents"]) / 100,
            currency=event["currency"].upper(),
        )
