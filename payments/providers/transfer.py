"""Bank transfer: the customer pays from their bank; an operator, or the import of the bank's
camt.053 statement (payments/transfers.py), confirms it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.services import order_choose_transfer
from payments.providers.base import PaymentProvider

CODE = "bonifico"


class BankTransferProvider(PaymentProvider):
    code = CODE
    label = _("Bonifico bancario")

    def start_payment(self, *, order: Order, idempotency_key: str) -> str:
        order_choose_transfer(order_id=order.pk, actor=order.customer.user)
        return reverse("orders:detail", args=[order.number])
