import datetime

import pytest
import time_machine
from django.core.management import call_command

from lifecycle.periodic import auto_renewals, expiries
from orders.models import Order
from subscriptions.models import Service
from subscriptions.services import service_set_auto_renew
from tests import cast

pytestmark = pytest.mark.django_db
D = datetime.date


def run_on(day: datetime.date):
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 3, 0, tzinfo=datetime.UTC)):
        call_command("update_services", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_it_expires_then_suspends_services_past_their_dates(rossi, plan, settings):
    settings.GRACE_PERIOD_DAYS = 30
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))

    run_on(D(2027, 3, 10))
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE  # the expiry day is still covered
    run_on(D(2027, 3, 11))
    service.refresh_from_db()
    assert service.status == Service.Status.EXPIRED
    run_on(D(2027, 4, 10))
    service.refresh_from_db()
    assert service.status == Service.Status.SUSPENDED


def test_a_second_run_finds_nothing_to_do(rossi, plan):
    cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert expiries(D(2027, 3, 11)).done == 1
    assert expiries(D(2027, 3, 11)).claimed == 0


def test_it_places_one_renewal_order_for_services_renewing_by_themselves(rossi, plan, settings):
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    automatic = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_set_auto_renew(service_id=automatic.pk, enabled=True, actor=rossi.user)
    by_hand = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))

    assert not auto_renewals(D(2027, 2, 7)).claimed  # 31 days before expiry
    run_on(D(2027, 2, 8))
    run_on(D(2027, 2, 9))

    assert automatic.orders.filter(kind=Order.Kind.RENEWAL, status=Order.Status.AWAITING_PAYMENT).count() == 1
    assert not by_hand.orders.filter(kind=Order.Kind.RENEWAL).exists()
