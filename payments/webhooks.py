"""Receiving a provider's notifications: verified, recorded once by event id, then applied.

A refused notification changes nothing and is kept, with its reason and the start of its body,
for the operators; a malformed one is refused like a forged one, never a server error.
"""

import datetime
import ipaddress
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from audit.actors import provider_notification
from lib import clock
from payments import services
from payments.errors import PaymentMismatch, UnknownOrder
from payments.models import RefusedWebhook, WebhookEvent
from payments.providers import get_provider
from payments.providers.base import PaymentEvent, PaymentProvider, WebhookRefused, json_object, storable

logger = logging.getLogger(__name__)


def receive(*, code: str, body: bytes, headers: Mapping[str, str], remote_addr: str | None = None) -> tuple[int, str]:
    """Returns the HTTP status for the provider and what was done."""
    provider = get_provider(code)
    try:
        event = _parse(provider, body, headers)
        return 200, _apply_once(code, event, body)
    except WebhookRefused as refusal:
        reason = _storable(str(refusal))[:300]
        logger.warning("refused %s notification from %s: %s", code, remote_addr or "-", reason)
        _keep_refusal(code, reason, body, remote_addr)
        return 400, reason


def _parse(provider: PaymentProvider, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
    """The provider's reading of the notification, refused unless every field can be acted on."""
    try:
        event = provider.parse_webhook(body=body, headers=headers)
    except WebhookRefused:
        raise
    except Exception as error:  # a provider's module tripping on a body it did not expect: still a refusal
        logger.exception("%s could not read a notification", provider.code)
        raise WebhookRefused(f"unreadable notification: {type(error).__name__}") from None
    problem = event.problem()
    if problem:
        raise WebhookRefused(f"unreadable notification: {problem}")
    return event


def _keep_refusal(code: str, reason: str, body: bytes, remote_addr: str | None) -> None:
    """Kept for the operators, with the start of the body; past WEBHOOK_REFUSALS_KEPT_PER_HOUR in
    the last hour only the log line above is left, so a flood of forgeries cannot fill the database."""
    limit = settings.WEBHOOK_REFUSALS_KEPT_PER_HOUR
    if _refusals_kept_in_the_last_hour_reach(limit):
        logger.warning(
            "refused %s notification not kept: %d refusals already kept in the last hour", code, max(limit, 0)
        )
        return
    RefusedWebhook.objects.create(
        provider=code[:20], reason=reason, body=_body_kept(body), remote_addr=_ip_address(remote_addr)
    )


def _refusals_kept_in_the_last_hour_reach(limit: int) -> bool:
    if limit <= 0:
        return True
    # The limit-th newest row by id (an index walk, not a count of the table): within the hour, the cap is reached.
    newest = RefusedWebhook.objects.order_by("-pk").values_list("received_at", flat=True)[limit - 1 : limit]
    return any(received_at > clock.now() - datetime.timedelta(hours=1) for received_at in newest)


def _body_kept(body: bytes) -> str:
    """The start of the body, at most WEBHOOK_REFUSED_BODY_MAX_BYTES, marked when cut."""
    maximum = max(settings.WEBHOOK_REFUSED_BODY_MAX_BYTES, 0)
    kept = _storable(body[:maximum].decode(errors="replace"))
    if len(body) > maximum:
        with translation.override(settings.LANGUAGE_CODE):  # for the operators, not for the provider's request
            kept += "\n" + _("[… troncato: %(size)d byte in tutto]") % {"size": len(body)}
    return kept


def _storable(text: str) -> str:
    return "".join(char if storable(char) else "\ufffd" for char in text)


def _ip_address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _payload(body: bytes) -> dict[str, Any]:
    """What WebhookEvent keeps: the JSON object, or the text of a provider that does not send JSON."""
    try:
        return json_object(body)
    except WebhookRefused:
        return {"body": _storable(body.decode(errors="replace"))}


@transaction.atomic
def _apply_once(code: str, event: PaymentEvent, body: bytes) -> str:
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider=code, event_id=event.event_id, event_type=event.kind, payload=_payload(body)
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
