"""Automatic renewals paid with the saved card: the daily run places the order
(lifecycle/periodic.py) and this charges it."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order
from payments import tasks
from payments.models import SavedCard


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
