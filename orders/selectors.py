import datetime
from decimal import Decimal

from django.conf import settings
from django.shortcuts import get_object_or_404

from accounts.models import Customer
from accounts.tax import amounts_for, vat_treatment
from catalog.models import SpaceStep
from lib.money import Amounts, prorate
from orders.models import Order
from subscriptions.models import AddOn, Service


def order_for_customer(customer: Customer, number: str) -> Order:
    """The customer's own order, or a 404: another customer's order does not exist for them."""
    return get_object_or_404(Order.objects.select_related("plan", "service"), number=number, customer=customer)


def order_by_number(number: str, *, lock: bool = False) -> Order | None:
    """The order with this number; with `lock`, its row locked until the transaction ends."""
    orders = Order.objects.select_for_update() if lock else Order.objects.all()
    return orders.filter(number=number).first()


def order_waiting(service: Service, kind: str) -> Order | None:
    """The order of that kind waiting for payment on the service, if any (there is at most one)."""
    return Order.objects.filter(service=service, kind=kind, status=Order.Status.AWAITING_PAYMENT).first()


def space_increase_quote(service: Service, step: SpaceStep, today: datetime.date) -> Amounts:
    """What a space step costs on this service today: its yearly price pro-rated to the days left
    in the current term, at least the provider's minimum, then VAT. The page shows it and the
    order charges it."""
    net = prorate(step.yearly_price_net, service.days_to_expiry(today) or 0, service.term_days)
    return amounts_for(service.customer, max(net, settings.SPACE_INCREASE_MINIMUM_NET))


def active_add_ons(service_id: int) -> list[AddOn]:
    """The space add-ons a renewal renews: every one still running."""
    return list(AddOn.objects.filter(service_id=service_id, ended_on=None))


def renewal_quote(service: Service, add_ons: list[AddOn] | None = None) -> Amounts:
    """What renewing costs the customer: the plan and the add-ons kept (every one still running,
    unless `add_ons` names them), priced by accounts.tax as the renewal order will be."""
    kept = active_add_ons(service.pk) if add_ons is None else add_ons
    net = service.plan.price_net + sum((add_on.yearly_price_net for add_on in kept), Decimal("0.00"))
    return amounts_for(service.customer, net)


def renewal_amount_due(service: Service) -> Decimal:
    """What renewing will charge: the waiting renewal order's own amount once it is placed;
    before, the renewal quote (the plan and every add-on still running, as an automatic renewal
    keeps them all), as the customer will pay it (the net with split payment)."""
    if waiting := order_waiting(service, Order.Kind.RENEWAL):
        return waiting.amount_due
    amounts = renewal_quote(service)
    return amounts.net if vat_treatment(service.customer).split_payment else amounts.total


def bank_details() -> dict[str, str]:
    """Where customers send their transfers, as the order page and the mails show it."""
    return {"beneficiary": settings.BANK_BENEFICIARY, "iban": settings.BANK_IBAN, "bank": settings.BANK_NAME}
