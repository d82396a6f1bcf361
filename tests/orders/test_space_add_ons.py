"""Extra space is a recurring add-on: paid pro-rated when bought, then renewed with the service
at its yearly price, until the customer drops it at a renewal while the documents still fit."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.actors import SYSTEM
from catalog.models import GB
from orders.services import OrderError, order_place_renewal, order_place_space_increase
from payments.transfers import transfer_register
from subscriptions.models import AddOn
from subscriptions.services import service_set_used_bytes
from tests import cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_add_on(rossi, plan, today):
    """A 20 GB plan (290.00 a year) with +10 GB bought on 10 March (70.00 a year)."""
    service = cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=200))
    order, _created = order_place_space_increase(
        service_id=service.pk, step=cast.space_step(size_gb=10, yearly_price_net="70.00"), actor=rossi.user
    )
    transfer_register(order=order, operator=SYSTEM)
    service.refresh_from_db()
    return service


def test_bought_space_becomes_an_add_on_of_the_service(with_add_on):
    add_on = AddOn.objects.get(service=with_add_on)
    assert (add_on.size_bytes, add_on.yearly_price_net, add_on.is_active) == (10 * GB, Decimal("70.00"), True)
    assert with_add_on.quota_bytes == 30 * GB


def test_the_renewal_charges_the_plan_and_each_add_on_at_its_yearly_price(rossi, with_add_on):
    order, _created = order_place_renewal(service_id=with_add_on.pk, actor=rossi.user)

    assert [(line.kind, line.net) for line in order.lines.all()] == [
        ("PIANO", Decimal("290.00")),
        ("SPAZIO", Decimal("70.00")),
    ]
    assert (order.net, order.total) == (Decimal("360.00"), Decimal("439.20"))
    invoice = transfer_register(order=order, operator=SYSTEM).invoice
    assert [line.net for line in invoice.lines.all()] == [Decimal("290.00"), Decimal("70.00")]
    with_add_on.refresh_from_db()
    assert with_add_on.quota_bytes == 30 * GB  # the add-on renewed with the service


def test_the_renewal_page_lists_the_add_ons_and_the_customer_can_drop_one(rossi_client, rossi, with_add_on):
    url = reverse("orders:renew", args=[with_add_on.public_id])
    page = rossi_client.get(url).content.decode()
    assert "+10 GB di spazio: €\xa070,00 l'anno + IVA" in page and "€\xa0439,20" in page

    rossi_client.post(url, cast.order_form())  # every box unticked: the add-on is dropped
    order = with_add_on.orders.get(kind="RINNOVO")
    assert [line.kind for line in order.lines.all()] == ["PIANO"] and order.total == Decimal("353.80")
    transfer_register(order=order, operator=SYSTEM)
    with_add_on.refresh_from_db()
    assert with_add_on.quota_bytes == 20 * GB
    assert AddOn.objects.get(service=with_add_on).ended_on == with_add_on.term_started_on


def test_an_add_on_the_documents_need_cannot_be_dropped(rossi, with_add_on):
    service_set_used_bytes(service_id=with_add_on.pk, used_bytes=25 * GB, actor=SYSTEM)
    add_on = AddOn.objects.get(service=with_add_on)
    with pytest.raises(OrderError, match="non ci stanno"):
        order_place_renewal(service_id=with_add_on.pk, actor=rossi.user, dropped_add_ons=[add_on.pk])


def test_space_is_not_added_while_a_renewal_waits_nor_a_renewal_placed_while_space_waits(rossi, plan, today):
    service = cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=200))
    step = cast.space_step()
    renewal, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    with pytest.raises(OrderError, match=renewal.number):
        order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)

    from orders.services import order_cancel

    order_cancel(order_id=renewal.pk, actor=rossi.user)
    space, _created = order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)
    with pytest.raises(OrderError, match=space.number):
        order_place_renewal(service_id=service.pk, actor=rossi.user)


def test_the_order_page_and_mail_show_the_lines_of_a_renewal(rossi_client, rossi, with_add_on, mailoutbox):
    order, _created = order_place_renewal(service_id=with_add_on.pk, actor=rossi.user)
    page = rossi_client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "+10 GB di spazio: €\xa070,00" in page
