"""Exact money: Decimal euros, rounded half-up to the cent."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_on(net: Decimal, rate: Decimal) -> Decimal:
    return to_cents(net * rate)


def prorate(amount: Decimal, days_left: int, days_in_term: int) -> Decimal:
    """The share of a yearly amount for the days left, computed exactly and rounded once."""
    if days_in_term <= 0:
        raise ValueError("A term has at least one day.")
    days_left = max(0, min(days_left, days_in_term))
    return to_cents(Decimal(amount) * days_left / days_in_term)


@dataclass(frozen=True)
class Amounts:
    """Net, VAT and total of a price: total = net + VAT, each rounded to the cent."""

    net: Decimal
    vat: Decimal
    total: Decimal

    @classmethod
    def from_net(cls, net: Decimal, rate: Decimal) -> "Amounts":
        net = to_cents(net)
        vat = vat_on(net, rate)
        return cls(net=net, vat=vat, total=net + vat)
