"""Daily work on services: each handle_one_* claims one due row, acts on it and says
whether it found one, so that the command loops and tests call them one at a time.

Claims skip rows another run holds (PostgreSQL); the transition itself re-checks the
state under the row lock, so two runs never act twice on the same service.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.services import OrderError, order_place_renewal
from payments.services import renewal_charge_later
from subscriptions.models import RENEWABLE, Service
from subscriptions.services import service_expire, service_suspend

PERIODIC_ACTOR = "sistema: controllo giornaliero dei servizi"


def _claim(queryset) -> Service | None:
    return queryset.select_for_update(skip_locked=True).order_by("expires_on", "pk").first()


def handle_one_expiry(today: datetime.date) -> bool:
    with transaction.atomic():
        service = _claim(Service.objects.filter(status=Service.Status.ACTIVE, expires_on__lt=today))
        return service is not None and service_expire(service_id=service.pk, today=today, actor=PERIODIC_ACTOR)


def handle_one_suspension(today: datetime.date) -> bool:
    grace_started_before = today - datetime.timedelta(days=settings.GRACE_PERIOD_DAYS)
    with transaction.atomic():
        service = _claim(Service.objects.filter(status=Service.Status.EXPIRED, expires_on__lt=grace_started_before))
        return service is not None and service_suspend(service_id=service.pk, today=today, actor=PERIODIC_ACTOR)


def due_for_auto_renewal(today: datetime.date):
    """Services renewing by themselves whose expiry is near and that have no renewal order waiting."""
    lead = datetime.timedelta(days=settings.AUTO_RENEWAL_LEAD_DAYS)
    return Service.objects.filter(status__in=RENEWABLE, auto_renew=True, expires_on__lte=today + lead).exclude(
        orders__kind=Order.Kind.RENEWAL, orders__status=Order.Status.AWAITING_PAYMENT
    )


def handle_one_auto_renewal(today: datetime.date, skip: set[int]) -> bool:
    """Places the renewal order of one service renewing by itself and, after commit, charges the
    customer's saved card; the payment's notification then renews it like any other."""
    with transaction.atomic():
        service = _claim(due_for_auto_renewal(today).exclude(pk__in=skip))
        if service is None:
            return False
        try:
            order, _created = order_place_renewal(service_id=service.pk, actor=PERIODIC_ACTOR, automatic=True)
        except OrderError:
            skip.add(service.pk)
        else:
            renewal_charge_later(order)
        return True


def automatic_renewals_to_charge(today: datetime.date):
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
