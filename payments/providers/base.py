"""What every payment provider offers the rest of Conserva."""

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

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

    def problem(self) -> str:
        for name, limit in (("token", 100), ("brand", 20), ("last4", 4)):
            value = getattr(self, name)
            if not isinstance(value, str) or not 0 < len(value) <= limit or not storable(value):
                return f"card.{name} is not a text of 1 to {limit} characters"
        for name, low, high in (("exp_month", 1, 12), ("exp_year", 2000, 9999)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                return f"card.{name} is not a number from {low} to {high}"
        return ""


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

    def problem(self) -> str:
        """Why this event cannot be acted on as it is (a field of the wrong type or size), or "":
        checked for every provider's event before anything is written."""
        for name in ("event_id", "order_number", "payment_id", "currency", "failure"):
            value = getattr(self, name)
            if not isinstance(value, str):
                return f"{name} is not a text"
            if not storable(value):
                return f"{name} holds a NUL character or an unpaired surrogate"
        for name in ("event_id", "order_number", "payment_id"):
            if not 0 < len(getattr(self, name)) <= 100:
                return f"{name} must have 1 to 100 characters"
        if self.kind not in (self.SUCCEEDED, self.FAILED):
            return f"unknown kind {self.kind!r}"
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            return "amount is not a finite decimal"
        if len(self.currency) != 3:
            return "currency is not a 3-letter code"
        if self.card is not None:
            return self.card.problem() if isinstance(self.card, CardDetails) else "card is not a card"
        return ""


def storable(value: str) -> bool:
    """A text PostgreSQL can store: no NUL (text and jsonb refuse it), no lone surrogate (not UTF-8)."""
    return "\x00" not in value and not any("\ud800" <= char <= "\udfff" for char in value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_object(body: bytes) -> dict[str, Any]:
    """A notification's body as a JSON object whose every text can be stored; WebhookRefused otherwise."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise WebhookRefused(f"unreadable notification: not JSON ({str(error)[:100]})") from None
    if not isinstance(value, dict):
        raise WebhookRefused(f"unreadable notification: a JSON {type(value).__name__}, not an object")
    pending: list[Any] = [value]
    while pending:  # by hand, not recursively: the nesting is the sender's to choose
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not storable(item):
            raise WebhookRefused("unreadable notification: a text holds a NUL character or an unpaired surrogate")
    return value


def field(container: Mapping[str, Any], path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """container's value at the dotted path, checked to be of that kind (a bool is not an int)."""
    value: Any = container
    keys = path.split(".")
    for depth, key in enumerate(keys):
        if not isinstance(value, dict):
            parent = ".".join(keys[:depth])
            raise WebhookRefused(f"unreadable notification: {parent} is a {type(value).__name__}, not an object")
        if key not in value:
            if required or depth < len(keys) - 1:
                raise WebhookRefused(f"unreadable notification: {'.'.join(keys[: depth + 1])} is missing")
            return None
        value = value[key]
    if value is None and not required:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise WebhookRefused(f"unreadable notification: {path} is a {type(value).__name__}, not a {names}")
    return value


def decimal_amount(value: str | int, path: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise WebhookRefused(f"unreadable notification: {path} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise WebhookRefused(f"unreadable notification: {path} is not an amount")
    return amount


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
