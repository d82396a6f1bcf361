"""What payments tell the layers above them (lib/events.py); notifications/handlers.py subscribes."""

from dataclasses import dataclass

from billing.models import Invoice
from orders.models import Order
from payments.models import Payment


@dataclass(frozen=True)
class PaymentReceived:
    """A payment has paid its order, and `invoice` is the order's invoice."""

    payment: Payment
    invoice: Invoice


@dataclass(frozen=True)
class PaymentCredited:
    """Money arrived for an order that could not take it: it is the customer's credit."""

    order: Order
    reason: str
