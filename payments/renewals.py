"""Automatic renewals paid with the saved card: the daily run places the order
(lifecycle/periodic.py) and this charges it."""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.actors import Actor
from lib import clock
from orders.models import Order
from orders.selectors import order_waiting, renewal_amount_due
from orders.services import order_cancel
from payments import tasks
from payments.checkout import saved_card_charge_in_flight
from payments.models import SavedCard
from payments.providers import get_provider
from payments.providers.base import ProviderUnavailable
from subscriptions.models import Service
from subscriptions.services import service_set_auto_renew

logger = logging.getLogger(__name__)


def renewal_charge_later(order: Order) -> None:
    """After the automatic renewal order commits, charge the saved card, if there is one."""
    if SavedCard.objects.filter(customer_id=order.customer_id).exists():
        transaction.on_commit(lambda: tasks.charge_saved_card.enqueue(order.pk))


def automatic_charge_on(expires_on: datetime.date, today: datetime.date) -> datetime.date:
    """The day the daily run places an automatic renewal order and charges the saved card:
    AUTO_RENEWAL_LEAD_DAYS before expiry, or today's run when that day is already behind."""
    return max(expires_on - datetime.timedelta(days=settings.AUTO_RENEWAL_LEAD_DAYS), today)


def automatic_renewals_to_charge(today: datetime.date) -> "QuerySet[Order, int]":
    """Automatic renewal orders placed before today, still waiting, whose customer has a saved card.

    Their charge was queued when they were placed; asking the provider again catches a task that
    was lost (a worker stopped before running it). It is safe: the charge is keyed on the order,
    so one already made or declined is not made again.
    """
    return Order.objects.filter(
        kind=Order.Kind.RENEWAL,
        status=Order.Status.AWAITING_PAYMENT,
        service__auto_renew=True,
        customer__saved_card__isnull=False,
        created_at__lt=timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)),
    ).values_list("pk", flat=True)


def renewal_retry_charge(*, order_id: int, days_before: int) -> None:
    """Tries a declined automatic renewal charge again on the customer's card saved now (a card
    saved since the decline is the one charged), keyed on the order and the threshold: the same
    retry never charges twice, a new one is a new charge. Nothing when the order no longer waits
    or no card is saved; the outcome arrives as the provider's notification, like the first."""
    order = Order.objects.get(pk=order_id)
    saved = SavedCard.objects.filter(customer_id=order.customer_id).first()
    if saved is None or not order.is_awaiting_payment:
        return
    try:
        get_provider(saved.provider).charge_saved_card(
            order=order, token=saved.token, idempotency_key=f"rinnovo-automatico-{order.number}-{days_before}"
        )
    except ProviderUnavailable as error:
        logger.warning("retry %s of order %s not asked: %s", days_before, order_id, error)


def retry_thresholds() -> list[int]:
    """The days before expiry on which a declined automatic renewal charge is tried again
    (LIFECYCLE_RETRY_DAYS): the daily run retries on them, the decline mail names the next one."""
    return sorted({days for days in settings.LIFECYCLE_RETRY_DAYS if days > 0})


def next_retry_on(expires_on: datetime.date, today: datetime.date) -> datetime.date | None:
    """The first retry day after `today`, if one is left before `expires_on`."""
    days = [expires_on - datetime.timedelta(days=before) for before in retry_thresholds()]
    return min((day for day in days if day > today), default=None)


@dataclass(frozen=True)
class AutoRenewSwitched:
    """What switching automatic renewal (S4) did, for the confirmation the customer reads."""

    service: Service
    # Switched on: the day the run places the order and charges `card` (None: no card saved), and how much.
    charge_on: datetime.date | None = None
    amount: Decimal | None = None
    card: SavedCard | None = None
    # Switched off: the automatic renewal order cancelled, or the one left waiting because its
    # payment is already on its way (a saved card's charge in flight, a transfer declared).
    cancelled: Order | None = None
    kept: Order | None = None


@transaction.atomic
def auto_renew_switch(*, service_id: int, enabled: bool, actor: Actor, address: str) -> AutoRenewSwitched:
    """S4, recorded with who, when and from where. Off cancels the automatic renewal order still
    waiting, never a paid one (it no longer waits) nor one the customer placed; on lets the next
    run place the order once the expiry is within AUTO_RENEWAL_LEAD_DAYS (at once when it is)."""
    waiting = Order.objects.filter(
        service_id=service_id, kind=Order.Kind.RENEWAL, status=Order.Status.AWAITING_PAYMENT
    ).first()
    if waiting is not None:
        # The order's row before the service's, as a payment's notification takes them.
        waiting = Order.objects.select_for_update().get(pk=waiting.pk)
    service = service_set_auto_renew(service_id=service_id, enabled=enabled, actor=actor, address=address)
    if enabled:
        return _switched_on(service)
    if waiting is None or not waiting.placed_automatically or not waiting.is_awaiting_payment:
        return AutoRenewSwitched(service)
    if waiting.transfer_declared_at or saved_card_charge_in_flight(waiting):
        return AutoRenewSwitched(service, kept=waiting)
    return AutoRenewSwitched(service, cancelled=order_cancel(order_id=waiting.pk, actor=actor))


def _switched_on(service: Service) -> AutoRenewSwitched:
    card = SavedCard.objects.filter(customer_id=service.customer_id).first()
    if service.expires_on is None:  # not active yet: the first term starts when it is paid
        return AutoRenewSwitched(service, card=card)
    today = clock.today()
    charge_on = automatic_charge_on(service.expires_on, today)
    waiting = order_waiting(service, Order.Kind.RENEWAL)
    if waiting is not None and waiting.last_payment_error:  # declined: the next retry day
        charge_on = next_retry_on(service.expires_on, today) or charge_on
    return AutoRenewSwitched(service, charge_on=charge_on, amount=renewal_amount_due(service), card=card)
