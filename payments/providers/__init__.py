"""The payment providers, each a module implementing PaymentProvider (base.py).

settings.PAYMENT_PROVIDERS maps a provider's code to its class: adding a real gateway is one
new module and one line of settings.
"""

from functools import cache

from django.conf import settings
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from billing.models import Invoice
from payments.providers.base import PaymentProvider
from payments.providers.transfer import CODE as TRANSFER


@cache
def get_provider(code: str) -> PaymentProvider:
    try:
        path = settings.PAYMENT_PROVIDERS[code]
    except KeyError:
        raise LookupError(f"No payment provider {code!r} in settings.PAYMENT_PROVIDERS") from None
    provider: PaymentProvider = import_string(path)()
    return provider


def provider_choices() -> list[tuple[str, "str | Promise"]]:
    return [(code, get_provider(code).label) for code in settings.PAYMENT_PROVIDERS]


def card_provider() -> PaymentProvider:
    return get_provider(settings.CARD_PAYMENT_PROVIDER)


def payment_means(code: str) -> str:
    """FatturaPA's code for how a provider's payments are made: a transfer, or a card."""
    return Invoice.PaymentMeans.TRANSFER if code == TRANSFER else Invoice.PaymentMeans.CARD
