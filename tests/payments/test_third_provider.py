import json

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import order_place_first_purchase
from payments.providers import get_provider
from tests import cast
from tests.payments.fake_gateway import signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings):
    settings.PAYMENT_PROVIDERS = settings.PAYMENT_PROVIDERS | {"gateway": "tests.payments.fake_gateway.FakeGateway"}
    settings.CARD_PAYMENT_PROVIDER = "gateway"
    get_provider.cache_clear()
    yield
    get_provider.cache_clear()


def test_a_third_provider_is_one_module_and_one_setting(gateway, rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA"))
    assert response.url.startswith("https://pay.gateway.example/checkout/")

    body = json.dumps(
        {
            "event": "ev_1",
            "status": "captured",
            "reference": order.number,
            "charge": "ch_1",
            "amount_cents": 35380,
            "currency": "eur",
        }
    ).encode()
    url = reverse("payments:webhook", args=["gateway"])
    forged = rossi_client.post(url, body, content_type="application/json", headers={"X-Gateway-Signature": "sha256=0"})
    assert forged.status_code == 400
    signed = {"X-Gateway-Signature": signature(body)}
    assert rossi_client.post(url, body, content_type="application/json", headers=signed).status_code == 200
    assert rossi_client.post(url, body, content_type="application/json", headers=signed).content == b"already received"

    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    payment = order.payments.get()
    assert (payment.provider, payment.provider_payment_id, payment.invoice.payment_means) == ("gateway", "ch_1", "MP08")
