from collections.abc import Iterator
from contextlib import contextmanager

from orders.services import OrderError


class PaymentError(Exception):
    """Money that cannot be taken or applied as asked; the message says why, for the customer or
    the operator (a form used twice, a credit that is not the order's total, a statement of
    another account)."""


class UnknownOrder(PaymentError):
    pass


class PaymentMismatch(PaymentError):
    pass


@contextmanager
def order_refusals_as_payment_errors() -> Iterator[None]:
    """What the order refuses (already paid, cancelled) reaches payments' callers as a payment error."""
    try:
        yield
    except OrderError as error:
        raise PaymentError(str(error)) from error
