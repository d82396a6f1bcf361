class PaymentError(Exception):
    """Money that cannot be taken or applied as asked; the message says why, for the customer or
    the operator (a form used twice, a credit that is not the order's total, a statement of
    another account)."""


class UnknownOrder(PaymentError):
    pass


class PaymentMismatch(PaymentError):
    pass
