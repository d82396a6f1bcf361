"""Receiving a provider's notifications: verified, recorded once by event id, then applied.

A refused notification changes nothing and is kept, with its reason, for the operators.
"""

import json
import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction

from audit.actors import provider_notification
from payments import services
from payments.errors import PaymentMismatch, UnknownOrder
from payments.models import RefusedWebhook, WebhookEvent
from payments.providers import get_provider
from payments.providers.base import PaymentEvent, WebhookRefused

logger = logging.getLogger(__name__)


def receive(*, code: str, body: bytes, headers: Mapping[str, str], remote_addr: str | None = None) -> tuple[int, str]:
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
    actor = provider_notification(code, event.event_id)
    try:
        if event.kind == PaymentEvent.SUCCEEDED:
            payment = services.payment_confirm(
                order_number=event.order_number,
                provider=code,
                provider_payment_id=event.payment_id,
                amount=event.amount,
                currency=event.currency,
                actor=actor,
            )
            if event.card:  # the customer ticked "save the card" on the provider's page
                customer = payment.order.customer
                services.card_save(customer=customer, provider=code, card=event.card, actor=customer.user)
            record.outcome = f"payment {payment.pk} ({'applied' if payment.applied else 'credit'})"
        else:
            record.outcome = services.payment_failed(order_number=event.order_number, reason=event.failure, actor=actor)
    except (UnknownOrder, PaymentMismatch) as error:
        raise WebhookRefused(str(error)) from None
    record.save(update_fields=["outcome"])
    return record.outcome
