"""The payment providers, each a module implementing PaymentProvider (base.py).

settings.PAYMENT_PROVIDERS maps a provider's code to its class: adding a real gateway is one
new module and one line of settings.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from payments.providers.base import PaymentProvider


@cache
def get_provider(code: str) -> PaymentProvider:
    try:
        path = settings.PAYMENT_PROVIDERS[code]
    except KeyError:
        raise LookupError(f"No payment provider {code!r} in settings.PAYMENT_PROVIDERS") from None
    return import_string(path)()


def provider_choices() -> list[tuple[str, str]]:
    return [(code, get_provider(code).label) for code in settings.PAYMENT_PROVIDERS]


def card_provider() -> PaymentProvider:
    return get_provider(settings.CARD_PAYMENT_PROVIDER)
