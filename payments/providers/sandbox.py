"""The sandbox provider seen from Conserva: the same calls a real gateway's module makes, against
the gateway simulated in the sandbox app."""

import json
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib import signing
from orders.models import Order
from payments.providers.base import CardDetails, PaymentEvent, PaymentProvider, WebhookRefused
from sandbox import gateway

CODE = "sandbox"


class SandboxProvider(PaymentProvider):
    code = CODE
    label = _("Carta (sandbox)")
    has_webhooks = True
    keeps_cards = True

    def start_payment(self, *, order: Order, idempotency_key: str) -> str:
        checkout = gateway.checkout_start(
            order_number=order.number,
            amount=order.amount_due,
            currency=order.currency,
            idempotency_key=idempotency_key,
            return_url=reverse("payments:result", args=[order.number]),
            cancel_url=reverse("orders:detail", args=[order.number]),
        )
        return reverse("sandbox:checkout", args=[checkout.token])

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        try:
            signing.verify(
                secret=settings.SANDBOX_WEBHOOK_SECRET,
                body=body,
                header=headers.get(signing.HEADER, ""),
                now=int(time.time()),
            )
        except signing.SignatureError as error:
            raise WebhookRefused(str(error)) from None
        try:
            payload = json.loads(body)
            data = payload["data"]
            card = data.get("card")
            return PaymentEvent(
                event_id=str(payload["id"]),
                kind={"payment.succeeded": PaymentEvent.SUCCEEDED, "payment.failed": PaymentEvent.FAILED}[
                    payload["type"]
                ],
                order_number=str(data["metadata"]["order_number"]),
                payment_id=str(data["id"]),
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]),
                card=CardDetails(**card) if card else None,
                failure=str(data.get("failure_message", "")),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            raise WebhookRefused(f"unreadable notification: {error!r}") from None

    def charge_saved_card(self, *, order: Order, token: str, idempotency_key: str) -> None:
        gateway.charge_off_session(
            order_number=order.number,
            amount=order.amount_due,
            currency=order.currency,
            token=token,
            idempotency_key=idempotency_key,
        )

    def cancel_payment(self, *, idempotency_key: str) -> None:
        gateway.checkout_cancel(idempotency_key)

    def forget_card(self, *, token: str) -> None:
        gateway.vault_forget(token)
