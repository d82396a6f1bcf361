"""What billing tells the layers above it (lib/events.py); notifications/handlers.py subscribes."""

from dataclasses import dataclass

from billing.models import Invoice


@dataclass(frozen=True)
class CreditNoteIssued:
    credit_note: Invoice
