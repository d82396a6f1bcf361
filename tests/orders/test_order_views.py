import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from orders.services import order_cancel, order_place_first_purchase, order_place_renewal
from subscriptions.models import Service
from tests import cast
from tests.html import element

pytestmark = pytest.mark.django_db


def test_buying_a_plan_leads_to_the_payment_page(rossi_client, rossi, plan, today):
    response = rossi_client.post(reverse("orders:buy", args=[plan.code]), cast.order_form())
    order = Order.objects.get(customer=rossi)
    assert response.url == reverse("payments:pay", args=[order.number])


def test_choosing_bank_transfer_shows_the_bank_details_and_keeps_awaiting_payment(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("BONIFICO"), follow=True)

    _classes, details = element(response.content, "transfer-details")
    assert "IT60X0542811101000000123456" in details
    assert f"Ordine {order.number}" in details
    assert "€ 353,80" in details
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert "in attesa di accredito e registrazione" in response.content.decode()


def test_the_status_detail_tells_unpaid_from_transfer_not_yet_registered(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    assert order.status_detail == "Non ancora pagato."
    order.payment_method = Order.PaymentMethod.TRANSFER
    assert "registrazione" in order.status_detail


def test_renew_leads_to_a_confirmation_then_to_a_renewal_order(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    url = reverse("orders:renew", args=[service.public_id])
    page = rossi_client.get(url).content.decode()
    assert "10 Marzo 2028" in page  # the new expiry, one year after the current one

    response = rossi_client.post(url, cast.order_form())
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    assert response.url == reverse("payments:pay", args=[order.number])
    # Clicking Renew again shows the waiting order instead of making a second one.
    assert rossi_client.get(url).url == reverse("orders:detail", args=[order.number])
    assert rossi_client.post(url, cast.order_form()).url == reverse("orders:detail", args=[order.number])
    assert service.orders.filter(kind=Order.Kind.RENEWAL).count() == 1


def test_increase_space_shows_the_prorated_prices_before_confirming(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 6, 1))
    step = cast.space_step(size_gb=10, yearly_price_net="70.00")
    url = reverse("orders:increase_space", args=[service.public_id])

    page = rossi_client.get(url).content.decode().replace("\xa0", " ")
    assert "83 giorni" in page
    assert "€ 15,92" in page and "€ 19,42" in page

    response = rossi_client.post(url, cast.order_form(step=step.pk, net="0.01"))  # a posted price changes nothing
    order = service.orders.get(kind=Order.Kind.SPACE_INCREASE)
    assert str(order.total) == "19.42"
    assert response.url == reverse("payments:pay", args=[order.number])


def test_cancel_asks_for_confirmation_then_cancels(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    url = reverse("orders:cancel", args=[order.number])

    page = rossi_client.get(url).content.decode()
    assert "Sì, annulla l'ordine" in page
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT  # a GET changes nothing

    rossi_client.post(url)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    _classes, row = element(rossi_client.get(service.get_absolute_url()).content, f"order-{order.number}")
    assert "ANNULLATO" in row and "Paga" not in row and "Annulla" not in row


def test_cancelling_a_first_purchase_leads_to_the_orders_as_its_service_is_gone(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    response = rossi_client.post(reverse("orders:cancel", args=[order.number]))
    assert response.url == reverse("orders:list")
    page = rossi_client.get(response.url).content.decode()
    assert order.number in page and "ANNULLATO" in page


def test_a_cancelled_order_cannot_be_paid_from_the_page(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_cancel(order_id=order.pk, actor=rossi.user)
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA"))
    assert response.url == reverse("orders:detail", args=[order.number])
    response = rossi_client.post(reverse("orders:cancel", args=[order.number]), follow=True)
    assert "annullato" in response.content.decode()
    assert not Service.objects.filter(customer=rossi).exists()


def test_another_customer_gets_a_404_on_every_order_url(bianchi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    for name in ["orders:detail", "payments:pay", "orders:cancel", "payments:result"]:
        url = reverse(name, args=[order.number])
        assert bianchi_client.get(url).status_code == 404
        assert bianchi_client.post(url, cast.pay_form("CARTA")).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.number not in bianchi_client.get(reverse("orders:list")).content.decode()


def test_the_order_list_is_paginated_with_a_constant_number_of_queries(rossi_client, rossi, plan, today, settings):
    settings.ORDERS_PER_PAGE = 5
    service = cast.active_service(rossi, plan, activated_on=today)
    rossi_client.get(reverse("orders:list"))

    def queries(page=1):
        caches["pages"].clear()  # the page rendered, not served again (lib.page_cache)
        with CaptureQueriesContext(connection) as captured:
            response = rossi_client.get(reverse("orders:list"), {"pagina": page})
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, _page = queries()
    for _ in range(12):
        order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
        order_cancel(order_id=order.pk, actor=rossi.user)
    many, first_page = queries()
    assert many == few
    assert "Pagina 1 di 3" in first_page
    assert first_page.count('id="order-') == 5
    _count, last_page = queries(3)
    assert last_page.count('id="order-') == 3
