"""Daily work on services: each handle_one_* claims one due row, acts on it and says
whether it found one, so that the command loops and tests call them one at a time.

Claims skip rows another run holds (PostgreSQL); the transition itself re-checks the
state under the row lock, so two runs never act twice on the same service.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction

from audit.actors import DAILY_RUN
from orders.models import Order
from orders.services import OrderError, order_place_renewal
from payments.checkout import renewal_charge
from payments.errors import PaymentError
from payments.renewals import automatic_renewals_to_charge, renewal_charge_later
from subscriptions.models import RENEWABLE, Service, ServiceQuerySet
from subscriptions.services import service_expire, service_suspend

logger = logging.getLogger(__name__)


def _claim(queryset: ServiceQuerySet) -> Service | None:
    return queryset.select_for_update(skip_locked=True).order_by("expires_on", "pk").first()


def handle_one_expiry(today: datetime.date) -> bool:
    with transaction.atomic():
        service = _claim(Service.objects.due_to_expire(today))
        return service is not None and service_expire(service_id=service.pk, today=today, actor=DAILY_RUN)


def handle_one_suspension(today: datetime.date) -> bool:
    with transaction.atomic():
        service = _claim(Service.objects.due_for_suspension(today))
        return service is not None and service_suspend(service_id=service.pk, today=today, actor=DAILY_RUN)


def due_for_auto_renewal(today: datetime.date) -> ServiceQuerySet:
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
            order, _created = order_place_renewal(service_id=service.pk, actor=DAILY_RUN, automatic=True)
        except OrderError:
            skip.add(service.pk)
        else:
            renewal_charge_later(order)
        return True


def charge_automatic_renewals(today: datetime.date) -> tuple[int, int]:
    """Asks the provider again for the automatic renewal charges still waiting (a lost task). One
    that cannot be asked (the order was cancelled meanwhile, the provider does not answer) is
    logged and skipped: the others still go."""
    asked = refused = 0
    for order_id in automatic_renewals_to_charge(today):
        try:
            renewal_charge(order_id=order_id)
        except PaymentError as error:
            logger.warning("automatic renewal charge of order %s not asked: %s", order_id, error)
            refused += 1
        else:
            asked += 1
    return asked, refused
