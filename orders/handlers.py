"""What the orders do when the services below them change (lib/events.py)."""

from lib import events
from orders.models import Order
from orders.services import order_cancel
from subscriptions.events import ServiceCeased


def on_service_ceased(event: ServiceCeased) -> None:
    """A ceased service can take no renewal nor space any more: its orders still waiting are
    cancelled with it, so that nobody pays for what can no longer be given."""
    waiting = Order.objects.filter(service=event.service, status=Order.Status.AWAITING_PAYMENT)
    for order_id in waiting.values_list("pk", flat=True):
        order_cancel(order_id=order_id, actor=event.actor)


def subscribe_all() -> None:
    events.subscribe(ServiceCeased, on_service_ceased)
