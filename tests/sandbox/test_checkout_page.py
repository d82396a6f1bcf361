import datetime
from unittest.mock import patch

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from orders.models import Order
from orders.services import order_cancel, order_place_first_purchase
from payments.models import Payment, PaymentIssue, RefusedWebhook
from payments.transfers import transfer_register
from sandbox.models import Checkout
from subscriptions.models import Service
from tests import cast

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: notifications run after them
CARD = {"holder": "Mario Rossi", "expiry": "12/30", "cvc": "123"}
OK, THREE_D_SECURE, DECLINED = "4242424242424242", "4000002760003184", "4000000000000002"


@pytest.fixture
def order(rossi, plan, today):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def start_card_payment(client, order, key=None) -> str:
    response = client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA", key))
    checkout = Checkout.objects.filter(order_number=order.number).latest("pk")
    assert response.url == reverse("sandbox:checkout", args=[checkout.token])
    return response.url


def test_a_test_card_that_succeeds_pays_and_activates(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    page = rossi_client.get(url).content.decode()
    assert order.number in page and "353,80" in page

    response = rossi_client.post(url, CARD | {"number": "4242 4242 4242 4242"})
    assert response.url == reverse("payments:result", args=[order.number])
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Service.objects.get(pk=order.service_id).status == Service.Status.ACTIVE
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.amount, payment.applied) == ("sandbox", order.total, True)
    assert payment.confirmed_by.startswith("sandbox: notifica evt_")  # the signed notification paid it
    assert "Pagamento ricevuto" in rossi_client.get(response.url).content.decode()


def test_a_declined_card_charges_nothing_and_lets_the_customer_retry(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    response = rossi_client.post(url, CARD | {"number": DECLINED})

    assert response.status_code == 200
    assert "carta rifiutata" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists()
    rossi_client.post(url, CARD | {"number": OK})
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE


def test_a_card_that_needs_a_second_step_pays_only_once_authenticated(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    response = rossi_client.post(url, CARD | {"number": THREE_D_SECURE})
    assert response.url == url
    page = rossi_client.get(url).content.decode()
    assert "3-D Secure" in page and "•••• 3184" in page
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT

    response = rossi_client.post(reverse("sandbox:authenticate", args=[url.split("/")[-2]]), {"decision": "approve"})
    assert response.url == reverse("payments:result", args=[order.number])
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE


def test_refusing_the_second_step_charges_nothing_and_the_page_stays_open(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    rossi_client.post(url, CARD | {"number": THREE_D_SECURE})
    token = url.split("/")[-2]
    response = rossi_client.post(reverse("sandbox:authenticate", args=[token]), {"decision": "refuse"})
    assert "autenticazione non riuscita" in response.content.decode()
    assert not Payment.objects.exists()
    rossi_client.post(url, CARD | {"number": OK})
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
    response = rossi_client.post(url, CARD | {"number": OK} | {field: value})
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_coming_back_to_the_result_url_does_not_pay(rossi_client, order):
    start_card_payment(rossi_client, order)
    page = rossi_client.get(reverse("payments:result", args=[order.number])).content.decode()
    assert "Pagamento non ancora confermato" in page and "data-reload-after" in page
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_the_same_pay_form_submitted_twice_opens_one_checkout(rossi_client, order):
    first = start_card_payment(rossi_client, order, key="a" * 32)
    second = start_card_payment(rossi_client, order, key="a" * 32)
    assert first == second
    assert Checkout.objects.count() == 1


def test_a_pay_form_without_its_key_is_refused_with_a_message(rossi_client, order):
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), {"method": "CARTA"}, follow=True)
    assert "Il modulo è scaduto" in response.content.decode()
    assert not Checkout.objects.exists()


def test_submitting_the_card_twice_charges_once(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    rossi_client.post(url, CARD | {"number": OK})
    response = rossi_client.post(url, CARD | {"number": OK})
    assert "già stato completato" in response.content.decode()
    assert Payment.objects.filter(order=order).count() == 1


def test_a_checkout_left_open_in_another_tab_can_no_longer_charge(rossi_client, rossi, order):
    first = start_card_payment(rossi_client, order)
    second = start_card_payment(rossi_client, order)  # opening another closes the first
    assert "chiusa o scaduta" in rossi_client.post(first, CARD | {"number": OK}).content.decode()
    rossi_client.post(second, CARD | {"number": OK})

    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Payment.objects.filter(order=order).count() == 1 and not PaymentIssue.objects.exists()
    assert "chiusa o scaduta" in rossi_client.get(first).content.decode()


def test_once_the_order_is_paid_no_checkout_of_it_can_charge(rossi_client, rossi, order):
    checkout = start_card_payment(rossi_client, order)
    transfer_register(order=order, operator=cast.operator())  # paid another way meanwhile

    page = rossi_client.post(checkout, CARD | {"number": OK}).content.decode()
    assert "chiusa o scaduta" in page
    assert Payment.objects.filter(order=order).count() == 1 and not PaymentIssue.objects.exists()


def test_a_cancelled_orders_checkout_can_no_longer_charge(rossi_client, rossi, order):
    url = start_card_payment(rossi_client, order)
    order_cancel(order_id=order.pk, actor=rossi.user)

    assert "chiusa o scaduta" in rossi_client.post(url, CARD | {"number": OK}).content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and not Payment.objects.exists()


def test_money_that_still_arrives_for_a_cancelled_order_is_kept_as_credit(rossi_client, rossi, order):
    """A charge the provider made before the checkout closed: its notification comes after."""
    url = start_card_payment(rossi_client, order)
    checkout = Checkout.objects.get()
    with patch("payments.checkout._cancel_at_provider"):  # the provider did not close it in time
        order_cancel(order_id=order.pk, actor=rossi.user)
    rossi_client.post(url, CARD | {"number": OK})

    payment = Payment.objects.get(order=order)
    assert not payment.applied and payment.issue.kind == "CREDITO" and checkout.order_number == order.number
    page = rossi_client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "credito a tuo favore" in page
    assert "credito a tuo favore" in rossi_client.get(reverse("payments:result", args=[order.number])).content.decode()


def test_a_checkout_expires_after_half_an_hour(rossi_client, order):
    url = start_card_payment(rossi_client, order)
    with time_machine.travel(datetime.timedelta(minutes=31)):
        response = Client().post(url, CARD | {"number": OK})  # the gateway's page needs no session
    assert "chiusa o scaduta" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not RefusedWebhook.objects.exists()


def test_an_unknown_checkout_is_a_404(client, db):
    assert client.get(reverse("sandbox:checkout", args=["nope"])).status_code == 404


def test_without_a_card_provider_customers_pay_by_transfer_only(rossi_client, order, settings):
    settings.PAYMENT_PROVIDERS = {"bonifico": "payments.providers.transfer.BankTransferProvider"}
    settings.CARD_PAYMENT_PROVIDER = ""
    url = reverse("payments:pay", args=[order.number])

    page = rossi_client.get(url).content.decode()
    assert 'value="BONIFICO" checked' in page and 'value="CARTA"' not in page
    response = rossi_client.post(url, cast.pay_form("CARTA"))
    assert "Scegli un metodo di pagamento" in response.content.decode()
    assert not Checkout.objects.exists()
    assert rossi_client.post(reverse("payments:webhook", args=["sandbox"])).status_code == 404
    assert rossi_client.get(reverse("sandbox:checkout", args=["x"])).status_code == 404
