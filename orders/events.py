"""What the orders tell the layers above them (lib/events.py); notifications/handlers.py subscribes."""

from dataclasses import dataclass

from orders.models import Order


@dataclass(frozen=True)
class OrderPlaced:
    order: Order


@dataclass(frozen=True)
class OrderCancelled:
    order: Order


@dataclass(frozen=True)
class OrderPaymentFailed:
    """The provider refused a charge: the order still waits and says why."""

    order: Order
    reason: str
