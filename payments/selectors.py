from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Customer
from orders.models import Order
from payments.models import Payment, PaymentIssue


def open_credit(customer: Customer) -> Decimal:
    """Money of the customer's that arrived for orders that could not take it, not yet refunded or used."""
    issues = PaymentIssue.objects.filter(customer=customer, kind=PaymentIssue.Kind.CREDIT, resolved_at=None)
    return sum((issue.amount for issue in issues), Decimal("0.00"))


def credited_payments(order: Order) -> QuerySet[Payment]:
    """Payments that arrived for this order when it could no longer take them."""
    return order.payments.filter(applied=False)
