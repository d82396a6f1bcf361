from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from audit import trail
from lib import clock
from orders.models import Order
from orders.services import OrderError, order_mark_paid
from payments.models import Payment


class PaymentMismatch(OrderError):
    pass


@transaction.atomic
def payment_confirm(
    *, order_number: str, provider: str, provider_payment_id: str, amount: Decimal, currency: str, actor
) -> Payment:
    """Records a payment the provider confirmed and applies it to the order, exactly once.

    The order row is locked first, so a second confirmation of the same payment (a double
    click, a retried notification) waits and then finds the payment already there.
    """
    order = Order.objects.select_for_update().get(number=order_number)
    existing = Payment.objects.filter(provider=provider, provider_payment_id=provider_payment_id).first()
    if existing:
        return existing
    if Decimal(amount) != order.total or currency != order.currency:
        raise PaymentMismatch(
            _("L'importo confermato (%(amount)s %(currency)s) non corrisponde all'ordine %(number)s.")
            % {"amount": amount, "currency": currency, "number": order.number}
        )
    order_mark_paid(order=order, paid_at=clock.now(), actor=actor)
    return Payment.objects.create(
        order=order,
        provider=provider,
        provider_payment_id=provider_payment_id,
        amount=amount,
        currency=currency,
        confirmed_by=str(actor) if actor else trail.SYSTEM,
    )


def transfer_register(*, order: Order, operator) -> Payment:
    """An operator saw the bank transfer credited: the same effect as a card payment."""
    return payment_confirm(
        order_number=order.number,
        provider=Payment.Provider.TRANSFER,
        provider_payment_id=f"bonifico-{order.number}",
        amount=order.total,
        currency=order.currency,
        actor=operator,
    )
