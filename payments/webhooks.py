"""Receiving a provider's notifications: verified, recorded once by event id, then applied.

A refused notification changes nothing and is kept, with its reason, for the operators.
"""

import json
import logging

from django.db import IntegrityError, transaction

from payments import services
from payments.models import RefusedWebhook, WebhookEvent
from payments.providers import get_provider
from payments.providers.base import PaymentEvent, WebhookRefused

logger = logging.getLogger(__name__)


def receive(*, code: str, body: bytes, headers, remote_addr: str | None = None) -> tuple[int, str]:
    """Returns the HTTP status for the provider and what was done."""
    provider = get_provider(code)
    try:
        event = provider.parse_webhook(body=body, headers=headers)
        return 200, _apply_once(code, event, body)
    except WebhookRefused as refusal:
        RefusedWebhook.objects.create(
            provider=code, reason=str(refusal)[:300], body=body[:2000].decode(errors="replace"), remote_addr=remote_addr
        )
        logger.warning("refused %s notification from %s: %s", code, remote_addr or "-", refusal)
        return 400, str(refusal)


@transaction.atomic
def _apply_once(code: str, event: PaymentEvent, body: bytes) -> str:
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider=code, event_id=event.event_id, event_type=event.kind, payload=json.loads(body)
            )
    except IntegrityError:
        return "already received"
    try:
        if event.kind == PaymentEvent.SUCCEEDED:
            payment = services.payment_confirm(
                order_number=event.order_number,
                provider=code,
                provider_payment_id=event.payment_id,
                amount=event.amount,
                currency=event.currency,
                actor=f"{code}: notifica {event.event_id}",
            )
            if event.card:
                services.card_save(customer=payment.order.customer, provider=code, card=event.card)
            record.outcome = f"payment {payment.pk} ({'applied' if payment.applied else 'credit'})"
        else:
            record.outcome = services.payment_failed(order_number=event.order_number, reason=event.failure)
    except (services.UnknownOrder, services.PaymentMismatch) as error:
        raise WebhookRefused(str(error)) from None
    record.save(update_fields=["outcome"])
    return record.outcome
