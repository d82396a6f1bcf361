"""An order is priced as VAT applies to its customer: Italian VAT in Italy, none for a business
abroad (reverse charge), and a public administration pays us the net (split payment)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.services import order_choose_transfer, order_place_first_purchase
from payments.models import PaymentIssue
from payments.transfers import statement_import
from tests import cast
from tests.payments import camt

pytestmark = pytest.mark.django_db


def test_a_business_abroad_sees_and_pays_no_italian_vat(client, german_business, plan, today):
    client.force_login(german_business.user)
    page = client.get(reverse("catalog:plans")).content.decode()
    assert "IVA €\xa00,00 · totale €\xa0290,00" in page

    order = order_place_first_purchase(customer=german_business, plan=plan, actor=german_business.user)
    assert (order.vat_rate, order.vat, order.total, order.amount_due) == (0, 0, Decimal("290.00"), Decimal("290.00"))


def test_a_public_administration_pays_the_net_and_the_vat_to_the_state(client, public_administration, plan, today):
    order = order_place_first_purchase(customer=public_administration, plan=plan, actor=public_administration.user)
    order = order_choose_transfer(order_id=order.pk, actor=public_administration.user)
    assert (order.total, order.split_payment, order.amount_due) == (Decimal("353.80"), True, Decimal("290.00"))

    client.force_login(public_administration.user)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "€\xa0290,00" in page and "scissione dei pagamenti" in page

    statement_import(
        data=camt.statement(camt.entry("PA-1", "290.00", f"Ordine {order.number}")), operator=cast.operator()
    )
    order.refresh_from_db()
    assert order.status == "ATTIVO" and not PaymentIssue.objects.exists()
    assert order.invoices.get().split_payment


def test_a_public_administration_paying_the_vat_too_waits_for_an_operator(public_administration, plan, today):
    order = order_place_first_purchase(customer=public_administration, plan=plan, actor=public_administration.user)
    statement_import(
        data=camt.statement(camt.entry("PA-2", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )
    assert PaymentIssue.objects.get().kind == PaymentIssue.Kind.EXCESS
