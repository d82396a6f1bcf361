import datetime
from decimal import Decimal

import pytest

from lib.dates import add_months
from lib.money import Amounts, prorate, to_cents


def test_a_year_from_29_february_ends_on_28_february():
    assert add_months(datetime.date(2028, 2, 29), 12) == datetime.date(2029, 2, 28)
    assert add_months(datetime.date(2027, 3, 10), 12) == datetime.date(2028, 3, 10)
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)


def test_totals_are_net_plus_vat_rounded_half_up_to_the_cent():
    amounts = Amounts.from_net(Decimal("0.025"), Decimal("0.22"))
    assert amounts.net == Decimal("0.03")  # half-up, not banker's rounding
    assert Amounts.from_net(Decimal("290"), Decimal("0.22")) == Amounts(
        net=Decimal("290.00"), vat=Decimal("63.80"), total=Decimal("353.80")
    )
    # 10.25 * 0.22 = 2.255 -> 2.26
    assert Amounts.from_net(Decimal("10.25"), Decimal("0.22")).vat == Decimal("2.26")
    assert to_cents(Decimal("2.345")) == Decimal("2.35")


def test_prorating_uses_exact_days_and_rounds_once():
    assert prorate(Decimal("70.00"), 182, 365) == Decimal("34.90")  # 34.9041...
    assert prorate(Decimal("70.00"), 365, 365) == Decimal("70.00")
    assert prorate(Decimal("70.00"), 1, 366) == Decimal("0.19")  # 0.1912...
    assert prorate(Decimal("70.00"), 0, 365) == Decimal("0.00")


def test_prorating_refuses_an_empty_term():
    with pytest.raises(ValueError):
        prorate(Decimal("70.00"), 0, 0)
