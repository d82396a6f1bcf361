"""What payments do when the orders below them change (lib/events.py)."""

from lib import events
from orders.events import OrderCancelled
from payments.checkout import attempts_close


def on_order_cancelled(event: OrderCancelled) -> None:
    attempts_close(event.order)  # a checkout left open must not charge a cancelled order


def subscribe_all() -> None:
    events.subscribe(OrderCancelled, on_order_cancelled)
