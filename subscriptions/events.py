"""What the services tell the layers above them (lib/events.py); notifications/handlers.py subscribes.

Each is published inside the transition's transaction, so that the customer's mail is queued
with it (notifications.mails.service_state_changed) or not at all."""

from dataclasses import dataclass

from audit.actors import Actor
from subscriptions.models import Service


@dataclass(frozen=True)
class ServiceExpired:
    """ATTIVO -> SCADUTO: the panel turns read-only."""

    service: Service


@dataclass(frozen=True)
class ServiceSuspended:
    """SCADUTO -> SOSPESO: the panel closes; renewal and the archive's download stay."""

    service: Service


@dataclass(frozen=True)
class ServiceCeased:
    """An operator's confirmed cessation: its orders still waiting are cancelled (orders.handlers)."""

    service: Service
    actor: Actor
