"""Explicit events: how a lower layer tells the layers above it what happened, without importing them.

A service publishes a frozen dataclass (`orders.events.OrderPlaced`); the app above that cares
subscribes a handler in its AppConfig.ready (notifications/handlers.py lists every subscription).
Handlers run at once, in the publisher's transaction, in the order they were subscribed: a handler
that must wait for the commit (a mail) queues its work with transaction.on_commit itself.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_handlers: defaultdict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: object) -> None:
    for handler in _handlers[type(event)]:
        handler(event)
