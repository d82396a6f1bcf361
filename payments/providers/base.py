"""What every payment provider offers the rest of Conserva."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise

from orders.models import Order


class WebhookRefused(Exception):
    """A notification that must not be acted on; the message says why, for the operators' log."""


class ProviderUnavailable(Exception):
    """The provider cannot do this now (no saved cards, a network failure)."""


@dataclass(frozen=True)
class CardDetails:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class PaymentEvent:
    """A provider's notification, verified and translated into our terms."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"

    event_id: str
    kind: str
    order_number: str
    payment_id: str
    amount: Decimal
    currency: str
    card: CardDetails | None = None
    failure: str = ""


class PaymentProvider(ABC):
    code: str = ""
    label: "str | Promise" = ""
    # The provider sends signed notifications to /pagamenti/webhook/<code>/.
    has_webhooks = False
    # The provider can keep a card and charge it for automatic renewals.
    keeps_cards = False

    @abstractmethod
    def start_payment(self, *, order: Order, idempotency_key: str) -> str:
        """Starts paying the order; returns where to send the customer (a hosted page, the order)."""

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Checks the notification's signature and reads it; raises WebhookRefused otherwise."""
        raise WebhookRefused(f"{self.code} sends no notifications")

    def charge_saved_card(self, *, order: Order, token: str, idempotency_key: str) -> None:
        """Asks for an off-session charge; its outcome arrives as a notification."""
        raise ProviderUnavailable(f"{self.code} keeps no cards")

    def cancel_payment(self, *, idempotency_key: str) -> None:
        """Closes the checkout started with this key, so that it can no longer charge (the order
        was paid another way, or cancelled). Providers whose payments need no closing do nothing."""
        return None

    def forget_card(self, *, token: str) -> None:
        raise ProviderUnavailable(f"{self.code} keeps no cards")
