import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import order_choose_transfer, order_place_first_purchase
from payments.models import Payment
from subscriptions.models import Service

pytestmark = pytest.mark.django_db


def register_transfer(client, order, **fields):
    """The admin action: its page asks for the bank's reference, the booking date and the amount."""
    url = reverse("admin:orders_order_changelist")
    action = {"action": "register_transfer", "_selected_action": [order.pk]}
    page = client.post(url, action)
    assert "Data contabile" in page.content.decode()
    details = {"confirm": "yes", "booked_on": "10/03/2026", "amount": "353,80", "reference": ""} | fields
    return client.post(url, action | details, follow=True)


def test_an_operator_registers_a_bank_transfer_like_a_card_payment(admin_client, admin_user, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_choose_transfer(order_id=order.pk, actor=rossi.user)

    register_transfer(admin_client, order, reference="CRO-123")
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Service.objects.get(pk=order.service_id).status == Service.Status.ACTIVE
    assert Payment.objects.get(order=order).confirmed_by == admin_user.email

    # Registering it again changes nothing.
    register_transfer(admin_client, order, reference="CRO-123")
    assert Payment.objects.filter(order=order).count() == 1


def test_a_transfer_of_another_amount_or_a_future_date_is_refused_on_the_form(admin_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    page = register_transfer(admin_client, order, amount="300,00", booked_on="11/03/2026").content.decode()
    assert "un bonifico di altro importo va nei pagamenti da verificare" in page
    assert "non può essere nel futuro" in page
    assert not Payment.objects.exists()


def test_the_admin_shows_the_audit_trail_of_an_order_and_its_service(admin_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_choose_transfer(order_id=order.pk, actor=rossi.user)

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "bonifico scelto" in page and "rossi@example.com" in page
    page = admin_client.get(reverse("admin:subscriptions_service_change", args=[order.service_id])).content.decode()
    assert "servizio aperto" in page and "IN ATTIVAZIONE" in page  # the state by its label, not its code


def test_registering_a_transfer_for_a_cancelled_order_says_it_became_credit(admin_client, rossi, plan, today):
    from orders.services import order_cancel

    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_cancel(order_id=order.pk, actor=rossi.user)
    response = register_transfer(admin_client, order)
    assert "registrato come credito del cliente" in response.content.decode()
    assert Payment.objects.get(order=order).issue.is_open


def test_operators_filter_the_orders_whose_transfer_the_customer_declared(admin_client, rossi, plan, today):
    from orders.services import order_declare_transfer

    declared = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_choose_transfer(order_id=declared.pk, actor=rossi.user)
    order_declare_transfer(order_id=declared.pk, actor=rossi.user)
    other = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)

    page = admin_client.get(reverse("admin:orders_order_changelist") + "?transfer_declared_at__isnull=False")
    text = page.content.decode()
    assert declared.number in text and other.number not in text
