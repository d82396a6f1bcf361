"""The sandbox provider seen from Conserva: the same calls a real gateway's module makes, against
the gateway simulated in the sandbox app."""

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib import signing
from orders.models import Order
from payments.providers.base import (
    CardDetails,
    PaymentEvent,
    PaymentProvider,
    WebhookRefused,
    decimal_amount,
    field,
    json_object,
)
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
        payload = json_object(body)
        kind = KINDS.get(field(payload, "type", str))
        if kind is None:
            raise WebhookRefused(f"unreadable notification: unknown type {str(payload['type'])[:50]!r}")
        card = field(payload, "data.card", dict, required=False)
        return PaymentEvent(
            event_id=str(field(payload, "id", (str, int))),
            kind=kind,
            order_number=field(payload, "data.metadata.order_number", str),
            payment_id=field(payload, "data.id", str),
            amount=decimal_amount(field(payload, "data.amount", (str, int)), "data.amount"),
            currency=field(payload, "data.currency", str),
            card=_card(card) if card else None,
            failure=" ".join((field(payload, "data.failure_message", str, required=False) or "").split())[:200],
        )

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


KINDS = {"payment.succeeded": PaymentEvent.SUCCEEDED, "payment.failed": PaymentEvent.FAILED}


def _card(card: dict[str, Any]) -> CardDetails:
    if set(card) != {"token", "brand", "last4", "exp_month", "exp_year"}:
        raise WebhookRefused("unreadable notification: data.card has other fields than a card's")
    return CardDetails(
        token=field(card, "token", str),
        brand=field(card, "brand", str),
        last4=field(card, "last4", str),
        exp_month=field(card, "exp_month", int),
        exp_year=field(card, "exp_year", int),
    )
