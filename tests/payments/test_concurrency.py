"""Exactly once under concurrency: real threads, real row locks (PostgreSQL)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from audit.actors import SYSTEM
from billing.models import Invoice
from lib import clock, signing
from orders.models import Order
from orders.services import (
    OrderError,
    order_cancel,
    order_choose_transfer,
    order_place_first_purchase,
    order_place_renewal,
)
from payments.errors import PaymentError
from payments.models import BankEntry, Payment, PaymentIssue
from payments.services import payment_confirm
from payments.transfers import statement_import
from payments.webhooks import receive
from sandbox import gateway as sandbox
from sandbox.models import Checkout
from subscriptions.models import Service
from tests import cast, threads
from tests.payments import camt, notify
from tests.threads import skip_unless_postgresql

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS = 10


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def all_at_once(action, count=THREADS) -> list:
    return threads.all_at_once(action, count, refused=(OrderError, PaymentError))


@pytest.fixture
def order(rossi, plan):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def pay(order, payment_id):
    payment = payment_confirm(
        order_number=order.number,
        provider="sandbox",
        provider_payment_id=payment_id,
        amount=order.total,
        currency="EUR",
        actor=SYSTEM,
    )
    return "paid" if payment.applied else "credit"


def test_the_same_notification_delivered_ten_times_at_once_pays_once(order):
    body = notify.event(order)
    header = signing.sign(secret=settings.SANDBOX_WEBHOOK_SECRET, body=body, timestamp=int(time.time()))
    results = all_at_once(lambda i: receive(code="sandbox", body=body, headers={signing.HEADER: header})[1])

    assert results.count("already received") == THREADS - 1
    assert Payment.objects.filter(order=order).count() == 1
    assert Invoice.objects.filter(order=order).count() == 1


def test_two_payments_confirmed_at_once_pay_once_and_issue_one_invoice(order):
    results = all_at_once(lambda i: pay(order, f"payment-{i}"), count=2)

    assert sorted(results) == ["credit", "paid"]
    assert Payment.objects.filter(order=order, applied=True).count() == 1
    assert Invoice.objects.filter(order=order).count() == 1
    assert PaymentIssue.objects.get().kind == "CREDITO"  # the second payment is never lost
    assert Service.objects.get(pk=order.service_id).status == Service.Status.ACTIVE


def test_the_same_payment_confirmed_ten_times_counts_once(order):
    all_at_once(lambda i: pay(order, "the-same-payment"))
    assert Payment.objects.filter(order=order).count() == 1
    assert Invoice.objects.count() == 1


def test_a_double_click_on_the_sandbox_page_charges_once(order):
    checkout = sandbox.checkout_start(
        order_number=order.number, amount=order.total, currency="EUR", idempotency_key="k" * 32
    )
    all_at_once(lambda i: sandbox.checkout_pay(token=checkout.token, card_number="4242424242424242", save_card=False))
    assert Payment.objects.filter(order=order).count() == 1
    assert Checkout.objects.get().status == "succeeded"


def test_one_pay_form_submitted_ten_times_at_once_opens_one_checkout(rossi, order):
    from payments.checkout import payment_start

    urls = all_at_once(
        lambda i: payment_start(order=order, provider_code="sandbox", idempotency_key="f" * 32, actor=rossi.user)
    )
    assert len(set(urls)) == 1 and Checkout.objects.count() == 1


def test_paying_and_cancelling_at_once_never_loses_the_money(rossi, order):
    def pay_or_cancel(i):
        if i % 2:
            return pay(order, f"payment-{i}")
        order_cancel(order_id=order.pk, actor=rossi.user)
        return "cancelled"

    results = all_at_once(pay_or_cancel)
    order.refresh_from_db()
    payments = Payment.objects.filter(order=order)
    assert payments.count() == THREADS // 2  # every payment recorded
    if order.status == Order.Status.ACTIVE:
        assert "cancelled" not in results and payments.filter(applied=True).count() == 1
    else:
        assert results.count("cancelled") == 1 and not payments.filter(applied=True).exists()
    assert PaymentIssue.objects.filter(kind="CREDITO").count() == payments.filter(applied=False).count()


def test_a_hundred_invoices_confirmed_concurrently_get_a_hundred_consecutive_numbers(rossi, plan):
    orders = [order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user) for _ in range(100)]

    def confirm(order):
        try:
            return pay(order, f"pay-{order.number}")
        finally:
            connection.close()

    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(confirm, orders)) == {"paid"}

    year = clock.today().year
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 101))
    assert Invoice.objects.filter(number__startswith=f"{year}/").count() == 100
    # Numbers follow the order of issue: a later number never has an earlier timestamp.
    by_number = list(Invoice.objects.order_by("sequence").values_list("created_at", flat=True))
    assert by_number == sorted(by_number)


def test_the_same_statement_imported_twice_at_once_registers_once(rossi, order):
    order_choose_transfer(order_id=order.pk, actor=rossi.user)
    data = camt.statement(camt.entry("BANK-1", "353.80", f"Ordine {order.number}"))
    operator = cast.operator()
    all_at_once(lambda i: statement_import(data=data, operator=operator) and "done", count=2)

    assert BankEntry.objects.count() == 1
    assert Payment.objects.count() == 1 and Invoice.objects.count() == 1


def test_ten_renew_clicks_at_once_make_one_renewal_order(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=clock.today())
    all_at_once(lambda i: order_place_renewal(service_id=service.pk, actor=rossi.user) and "placed")
    assert service.orders.filter(kind=Order.Kind.RENEWAL).count() == 1


def test_two_cards_saved_at_once_leave_one(rossi):
    from payments.models import SavedCard
    from payments.providers.base import CardDetails
    from payments.services import card_save

    def save(i):
        card = CardDetails(token=f"tok_{i}", brand="Visa", last4=f"{i:04d}", exp_month=1, exp_year=2030)
        card_save(customer=rossi, provider="sandbox", card=card, actor=rossi.user)
        return "saved"

    assert all_at_once(save) == ["saved"] * THREADS
    assert SavedCard.objects.filter(customer=rossi).count() == 1


def save_a_card(customer):
    from payments.providers.base import CardDetails
    from payments.services import card_save
    from sandbox.models import VaultCard

    VaultCard.objects.create(token="tok_ok", card_number="4242424242424242", card_expiry="12/30")
    card = CardDetails(token="tok_ok", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    return card_save(customer=customer, provider="sandbox", card=card, actor=customer.user)


def test_paying_with_the_saved_card_ten_times_at_once_charges_once(rossi, order):
    from payments.checkout import payment_start

    saved = save_a_card(rossi)

    all_at_once(
        lambda i: payment_start(
            order=order, provider_code="sandbox", idempotency_key="s" * 32, saved_card=saved, actor=rossi.user
        )
    )
    assert Checkout.objects.count() == 1
    assert Payment.objects.filter(order=order).count() == 1


def test_three_pay_pages_submitted_at_once_with_the_saved_card_charge_once(rossi, order):
    """Three pages opened, so three form keys: one charge in flight for the order, not three."""
    from payments.checkout import payment_start

    saved = save_a_card(rossi)

    all_at_once(
        lambda i: payment_start(
            order=order, provider_code="sandbox", idempotency_key=f"{i}" * 32, saved_card=saved, actor=rossi.user
        ),
        count=3,
    )
    assert Checkout.objects.count() == 1
    assert Payment.objects.filter(order=order).count() == 1 and not PaymentIssue.objects.exists()


def test_a_checkout_paid_while_the_order_is_paid_another_way_never_counts_twice(rossi, order):
    """The customer pays on the provider's page just as the operator registers the transfer."""
    from payments.checkout import payment_start
    from payments.transfers import transfer_register

    url = payment_start(order=order, provider_code="sandbox", idempotency_key="h" * 32, actor=rossi.user)
    token = url.rstrip("/").rsplit("/", 1)[-1]

    def act(i):
        if i == 0:
            return transfer_register(order=order, operator=cast.operator()) and "registered"
        return sandbox.checkout_pay(token=token, card_number="4242424242424242", save_card=False) or "charged"

    cast.operator()
    all_at_once(act, count=2)
    assert Payment.objects.filter(order=order, applied=True).count() == 1
    charged = Checkout.objects.get().status == "succeeded"
    # Either the checkout was closed first and charged nothing, or its money is kept as credit.
    assert PaymentIssue.objects.filter(kind="CREDITO").count() == (1 if charged else 0)
