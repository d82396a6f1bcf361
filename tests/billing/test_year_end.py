"""An invoice belongs to the day of its operation: a transfer booked on 30 December and registered
on 3 January is invoiced in December's year, and each year's numbers stay in date order."""

import datetime

import pytest
import time_machine

from audit.actors import SYSTEM
from billing.models import Invoice
from billing.services import invoice_issue
from orders.services import order_mark_paid, order_place_first_purchase
from tests.billing.conftest import paid_invoice

pytestmark = pytest.mark.django_db
ROME = datetime.timezone(datetime.timedelta(hours=1))


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=ROME), tick=False)


def invoice_paid_on(customer, plan, *, operated_on: datetime.date | None) -> Invoice:
    """What payments does with a registered transfer: the order paid, its invoice for the booking date."""
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    order_mark_paid(order=order, paid_at=datetime.datetime.now(tz=ROME), actor=SYSTEM)
    return invoice_issue(order=order, payment_means="MP05", actor=SYSTEM, operated_on=operated_on)


def test_a_transfer_booked_on_30_december_and_registered_on_3_january_is_last_years(rossi, bianchi, plan):
    with at(datetime.date(2026, 12, 28)):
        december = paid_invoice(bianchi, plan)
    with at(datetime.date(2027, 1, 2)):
        january = paid_invoice(bianchi, plan)
    with at(datetime.date(2027, 1, 3)):
        late = invoice_paid_on(rossi, plan, operated_on=datetime.date(2026, 12, 30))

    assert (december.number, january.number) == ("2026/000001", "2027/000001")
    assert (late.number, late.issued_on) == ("2026/000002", datetime.date(2026, 12, 30))
    assert "<Data>2026-12-30</Data>" in late.xml


def test_numbers_stay_in_date_order_within_a_year(rossi, bianchi, plan):
    with at(datetime.date(2026, 12, 31)):
        last = paid_invoice(bianchi, plan)
    with at(datetime.date(2027, 1, 3)):
        earlier_operation = invoice_paid_on(rossi, plan, operated_on=datetime.date(2026, 12, 30))

    assert (last.number, last.issued_on) == ("2026/000001", datetime.date(2026, 12, 31))
    # It cannot be dated before a lower number: the last date of that year's sequence.
    assert (earlier_operation.number, earlier_operation.issued_on) == ("2026/000002", datetime.date(2026, 12, 31))


def test_an_operation_dated_after_today_is_invoiced_today(rossi, plan):
    with at(datetime.date(2026, 3, 10)):
        invoice = invoice_paid_on(rossi, plan, operated_on=datetime.date(2026, 3, 12))
    assert invoice.issued_on == datetime.date(2026, 3, 10)


def test_without_an_operation_date_it_is_todays(rossi, plan):
    with at(datetime.date(2026, 3, 10)):
        invoice = invoice_paid_on(rossi, plan, operated_on=None)
    assert (invoice.number, invoice.issued_on) == ("2026/000001", datetime.date(2026, 3, 10))
