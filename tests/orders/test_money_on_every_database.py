"""Money is exact on every supported database: SQLite keeps decimals as floating point, so a
check written as "total = net + vat" refused about a fifth of cent prices there."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.actors import SYSTEM
from orders.models import Order
from orders.services import order_place_first_purchase
from payments.transfers import transfer_register
from tests import cast

pytestmark = pytest.mark.django_db

VAT_RATES_IN_USE = [Decimal("0.22"), Decimal("0.10"), Decimal("0.05"), Decimal("0.04"), Decimal("0.00")]
CENTS_UP_TO_100_000_EUR = st.integers(min_value=1, max_value=10_000_000)


@pytest.mark.parametrize("price", ["0.10", "19.90", "49.90", "99.90", "3191.20"])
def test_it_places_an_order_at_the_prices_sqlite_refused(rossi, price, settings):
    order = order_place_first_purchase(customer=rossi, plan=cast.plan(price_net=price), actor=rossi.user)
    assert Order.objects.get(pk=order.pk).total == order.net + order.vat


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=CENTS_UP_TO_100_000_EUR, vat_rate=st.sampled_from(VAT_RATES_IN_USE))
def test_every_cent_price_places_the_order_and_issues_the_invoice(rossi, settings, cents, vat_rate):
    settings.VAT_RATE = vat_rate
    price = Decimal(cents) / 100
    order = order_place_first_purchase(customer=rossi, plan=cast.plan(price_net=str(price)), actor=rossi.user)
    invoice = transfer_register(order=order, operator=SYSTEM).invoice

    order.refresh_from_db()
    assert order.net == price and order.total == order.net + order.vat
    assert invoice.total == order.total and invoice.net + invoice.vat == invoice.total
