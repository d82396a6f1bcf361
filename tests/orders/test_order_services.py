import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from audit.actors import SYSTEM
from catalog.models import GB
from orders.models import Order
from orders.selectors import space_increase_quote
from orders.services import (
    OrderError,
    order_cancel,
    order_place_first_purchase,
    order_place_renewal,
    order_place_space_increase,
)
from payments.services import PaymentMismatch, payment_confirm
from payments.transfers import transfer_register
from subscriptions.models import Service
from subscriptions.services import service_set_auto_renew
from tests import cast

pytestmark = pytest.mark.django_db


def test_buying_a_plan_makes_a_first_purchase_awaiting_payment_and_a_pending_service(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)

    assert order.kind == Order.Kind.FIRST_PURCHASE
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.number == f"2026-{order.pk:06d}"
    assert (order.net, order.vat, order.total) == (Decimal("290.00"), Decimal("63.80"), Decimal("353.80"))
    assert order.service.status == Service.Status.PENDING
    assert order.service.quota_bytes == 20 * GB


def test_paying_the_first_purchase_activates_the_service_for_a_year(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    transfer_register(order=order, operator=SYSTEM)
    order.refresh_from_db()
    service = order.service
    service.refresh_from_db()

    assert order.status == Order.Status.ACTIVE and order.paid_at is not None
    assert service.status == Service.Status.ACTIVE
    assert service.expires_on == datetime.date(2027, 3, 10)


def test_an_inactive_plan_cannot_be_bought(rossi, plan):
    plan.is_active = False
    plan.save()
    with pytest.raises(OrderError):
        order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def test_a_second_renewal_shows_the_waiting_one(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    first, created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    again, created_again = order_place_renewal(service_id=service.pk, actor=rossi.user)

    assert created and not created_again
    assert again == first
    assert service.orders.filter(kind=Order.Kind.RENEWAL).count() == 1


def test_the_database_refuses_two_open_orders_of_a_kind(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    order.pk, order.number = None, "copy"
    with pytest.raises(IntegrityError):
        order.save()


def test_renewal_by_hand_is_refused_while_automatic_renewal_is_on(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    with pytest.raises(OrderError, match="automatico"):
        order_place_renewal(service_id=service.pk, actor=rossi.user)


def test_paying_a_renewal_extends_the_expiry_by_a_year(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 6, 1))
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    transfer_register(order=order, operator=SYSTEM)
    service.refresh_from_db()
    assert service.expires_on == datetime.date(2027, 6, 1)


def test_space_increase_is_prorated_to_the_days_left(rossi, plan, today):
    # Activated 2025-06-01: the term is 2025-06-01 .. 2026-06-01 (365 days); 83 days left on 2026-03-10.
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 6, 1))
    step = cast.space_step(size_gb=10, yearly_price_net="70.00")

    assert space_increase_quote(service, step, today).net == Decimal("15.92")  # 70 * 83 / 365 = 15.9178...
    order, created = order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)
    assert created
    assert (order.net, order.vat, order.total) == (Decimal("15.92"), Decimal("3.50"), Decimal("19.42"))

    transfer_register(order=order, operator=SYSTEM)
    service.refresh_from_db()
    assert service.quota_bytes == 30 * GB


def test_a_space_increase_costs_at_least_the_providers_minimum(rossi, plan, today):
    # One day left, a step of 1 EUR a year: pro-rated it would cost 0.00 and still make an invoice.
    service = cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=1))
    step = cast.space_step(size_gb=1, yearly_price_net="1.00")

    order, _created = order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)
    assert order.net == Decimal("1.00") and order.total == Decimal("1.22")


def test_without_a_minimum_a_free_space_increase_is_refused(rossi, plan, today, settings):
    settings.SPACE_INCREASE_MINIMUM_NET = Decimal("0.00")
    service = cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=1))
    step = cast.space_step(size_gb=1, yearly_price_net="1.00")

    with pytest.raises(OrderError, match="troppo pochi giorni"):
        order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)
    assert not service.orders.filter(kind="AUMENTO_SPAZIO").exists()


def test_space_cannot_be_increased_on_an_expired_service(rossi, plan, today):
    service = cast.service_expiring(rossi, plan, on=today - datetime.timedelta(days=1))
    with pytest.raises(OrderError):
        order_place_space_increase(service_id=service.pk, step=cast.space_step(), actor=rossi.user)


def test_cancelling_the_first_purchase_removes_the_pending_service(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    service_id = order.service_id
    order = order_cancel(order_id=order.pk, actor=rossi.user)

    assert order.status == Order.Status.CANCELLED and order.cancelled_at is not None
    assert not Service.objects.filter(pk=service_id).exists()
    order.refresh_from_db()
    assert order.service is None  # the order itself stays, for the record


def test_a_cancelled_order_can_be_neither_paid_nor_cancelled(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    order_cancel(order_id=order.pk, actor=rossi.user)

    with pytest.raises(OrderError, match="annullato"):
        order_cancel(order_id=order.pk, actor=rossi.user)
    payment = transfer_register(order=order, operator=SYSTEM)
    assert not payment.applied  # the money is the customer's credit, in the operators' queue
    assert payment.issue.kind == "CREDITO" and payment.issue.is_open
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    service.refresh_from_db()
    assert service.expires_on == datetime.date(2027, 3, 10)


def test_a_paid_order_can_be_neither_paid_again_nor_cancelled(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    payment = transfer_register(order=order, operator=SYSTEM)

    assert transfer_register(order=order, operator=SYSTEM) == payment  # the same payment: one effect
    second = payment_confirm(
        order_number=order.number,
        provider="sandbox",
        provider_payment_id="another-payment",
        amount=order.total,
        currency="EUR",
        actor=SYSTEM,
    )
    assert not second.applied and "già pagato" in second.issue.detail  # paid twice: a credit, never lost
    with pytest.raises(OrderError, match="già pagato"):
        order_cancel(order_id=order.pk, actor=rossi.user)


def test_a_payment_of_another_amount_is_refused(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    with pytest.raises(PaymentMismatch):
        payment_confirm(
            order_number=order.number,
            provider="sandbox",
            provider_payment_id="x",
            amount=Decimal("1.00"),
            currency="EUR",
            actor=SYSTEM,
        )
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_a_payment_for_a_ceased_service_becomes_credit_and_changes_nothing(rossi, plan, today):
    from subscriptions.services import service_cease, service_expire

    service = cast.service_expiring(rossi, plan, on=today - datetime.timedelta(days=5))
    service_expire(service_id=service.pk, today=today, actor=SYSTEM)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    service_cease(service_id=service.pk, actor=SYSTEM)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED  # with the cessation (orders.handlers)

    payment = transfer_register(order=order, operator=SYSTEM)
    assert not payment.applied and payment.issue is not None
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert not order.invoices.exists()
    service.refresh_from_db()
    assert service.status == "CESSATO"
