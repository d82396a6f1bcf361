import datetime

import pytest
import time_machine
from django.urls import reverse

from orders.models import Order
from orders.services import order_cancel, order_place_first_purchase
from payments.models import Payment, SandboxCheckout
from payments.sandbox import checkout_pay, checkout_start
from subscriptions.models import Service

pytestmark = pytest.mark.django_db
CARD = {"holder": "Mario Rossi", "expiry": "12/30", "cvc": "123"}


@pytest.fixture
def order(rossi, plan, today):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def start_card_payment(client, order) -> str:
    response = client.post(reverse("orders:pay", args=[order.number]), {"method": "CARTA"})
    checkout = SandboxCheckout.objects.get(order=order)
    assert response.url == reverse("payments:sandbox_checkout", args=[checkout.token])
    return response.url


def test_a_test_card_that_succeeds_pays_and_activates(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    page = rossi_client.get(url).content.decode()
    assert order.number in page and "353,80" in page

    response = rossi_client.post(url, CARD | {"number": "4242 4242 4242 4242"})
    assert response.url == reverse("orders:result", args=[order.number])
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Service.objects.get(pk=order.service_id).status == Service.Status.ACTIVE
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.amount) == ("sandbox", order.total)
    assert "Pagamento ricevuto" in rossi_client.get(response.url).content.decode()


def test_a_declined_card_charges_nothing_and_lets_the_customer_retry(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    response = rossi_client.post(url, CARD | {"number": "4000000000000002"})

    assert response.status_code == 200
    assert "carta rifiutata" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists()
    rossi_client.post(url, CARD | {"number": "4242424242424242"})
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "4242 4242 4242 4241", "numero della carta non è valido"),
        ("expiry", "02/26", "carta è scaduta"),
        ("expiry", "13/30", "MM/AA"),
        ("cvc", "12", "3 o 4 cifre"),
    ],
)
def test_bad_card_data_gets_a_clear_message(rossi_client, order, field, value, message):
    url = start_card_payment(rossi_client, order)
    response = rossi_client.post(url, CARD | {"number": "4242424242424242"} | {field: value})
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_coming_back_to_the_result_url_does_not_pay(rossi_client, order):
    start_card_payment(rossi_client, order)
    page = rossi_client.get(reverse("orders:result", args=[order.number])).content.decode()
    assert "Pagamento non ancora confermato" in page
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_submitting_the_card_twice_pays_once(order):
    checkout = checkout_start(order=order)
    assert checkout_pay(token=checkout.token, card_number="4242424242424242") == ""
    checkout_pay(token=checkout.token, card_number="4242424242424242")
    assert Payment.objects.filter(order=order).count() == 1


def test_a_second_tab_cannot_pay_an_order_already_paid(order):
    first, second = checkout_start(order=order), checkout_start(order=order)
    assert checkout_pay(token=first.token, card_number="4242424242424242") == ""
    error = checkout_pay(token=second.token, card_number="4242424242424242")
    assert "già pagato" in error and "Nessun addebito" in error
    assert Payment.objects.filter(order=order).count() == 1


def test_a_checkout_for_a_cancelled_order_charges_nothing(rossi, order):
    checkout = checkout_start(order=order)
    order_cancel(order_id=order.pk, actor=rossi.user)
    assert "annullato" in checkout_pay(token=checkout.token, card_number="4242424242424242")
    assert not Payment.objects.exists()


def test_a_checkout_expires_after_half_an_hour(order):
    checkout = checkout_start(order=order)
    with time_machine.travel(datetime.timedelta(minutes=31)):
        checkout_pay(token=checkout.token, card_number="4242424242424242")
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_an_unknown_checkout_is_a_404(client, db):
    assert client.get(reverse("payments:sandbox_checkout", args=["nope"])).status_code == 404
