"""Automatic renewals paid with the saved card: the daily run places the order
(lifecycle/periodic.py) and this charges it."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order
from payments import tasks
from payments.models import SavedCard
from payments.providers import get_provider
from payments.providers.base import ProviderUnavailable

logger = logging.getLogger(__name__)


def renewal_charge_later(order: Order) -> None:
    """After the automatic renewal order commits, charge the saved card, if there is one."""
    if SavedCard.objects.filter(customer_id=order.customer_id).exists():
        transaction.on_commit(lambda: tasks.charge_saved_card.enqueue(order.pk))


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
