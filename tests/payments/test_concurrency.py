"""Exactly once under concurrency: real threads, real row locks (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from lib import clock
from orders.models import Order
from orders.services import OrderError, order_cancel, order_place_first_purchase, order_place_renewal
from payments.models import Payment
from payments.sandbox import checkout_pay, checkout_start
from payments.services import payment_confirm
from subscriptions.models import Service
from tests import cast

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS = 10


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; .ci/run runs the suite again on PostgreSQL")


def all_at_once(action, count=THREADS) -> list[str]:
    """Runs action(i) in `count` threads released together; each returns what happened."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            return action(i)
        except OrderError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def order(rossi, plan):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def pay(order, payment_id):
    payment_confirm(
        order_number=order.number,
        provider="sandbox",
        provider_payment_id=payment_id,
        amount=order.total,
        currency="EUR",
        actor=None,
    )
    return "paid"


def test_ten_threads_paying_one_order_make_one_payment(order):
    results = all_at_once(lambda i: pay(order, f"payment-{i}"))

    assert results.count("paid") == 1
    assert Payment.objects.filter(order=order).count() == 1
    assert Service.objects.get(pk=order.service_id).status == Service.Status.ACTIVE


def test_the_same_payment_confirmed_ten_times_counts_once(order):
    all_at_once(lambda i: pay(order, "the-same-payment"))
    assert Payment.objects.filter(order=order).count() == 1


def test_a_double_click_on_the_sandbox_page_pays_once(order):
    checkout = checkout_start(order=order)
    all_at_once(lambda i: checkout_pay(token=checkout.token, card_number="4242424242424242") or "paid")
    assert Payment.objects.filter(order=order).count() == 1


def test_paying_and_cancelling_at_once_has_one_effect(rossi, order):
    def pay_or_cancel(i):
        if i % 2:
            return pay(order, f"payment-{i}")
        order_cancel(order_id=order.pk, actor=rossi.user)
        return "cancelled"

    results = all_at_once(pay_or_cancel)
    order.refresh_from_db()
    if order.status == Order.Status.ACTIVE:
        assert results.count("paid") == 1 and "cancelled" not in results
        assert Payment.objects.filter(order=order).count() == 1
    else:
        assert order.status == Order.Status.CANCELLED
        assert results.count("cancelled") == 1 and "paid" not in results
        assert not Payment.objects.exists()
        assert not Service.objects.filter(customer=rossi).exists()


def test_ten_renew_clicks_at_once_make_one_renewal_order(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=clock.today())
    all_at_once(lambda i: order_place_renewal(service_id=service.pk, actor=rossi.user) and "placed")
    assert service.orders.filter(kind=Order.Kind.RENEWAL).count() == 1
