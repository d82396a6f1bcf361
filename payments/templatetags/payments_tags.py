"""What payments add to the order pages: money kept as the customer's credit. The order pages
sit in a lower layer and know nothing of payments; their templates load these tags."""

from decimal import Decimal

from django import template
from django.db.models import QuerySet

from accounts.models import Customer
from orders.models import Order
from payments.models import Payment
from payments.selectors import credited_payments, open_credit

register = template.Library()


@register.simple_tag
def customer_credit(customer: Customer) -> Decimal:
    return open_credit(customer)


@register.simple_tag
def order_credited_payments(order: Order) -> QuerySet[Payment]:
    return credited_payments(order)
