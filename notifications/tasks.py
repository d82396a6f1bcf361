from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from billing import pdf
from billing.models import Invoice
from orders.models import Order
from orders.selectors import bank_details
from payments.models import SavedCard


@task()
def send_order_mail(kind: str, order_id: int, invoice_id: int | None, reason: str) -> None:
    order = Order.objects.select_related("customer__user", "plan", "service").get(pk=order_id)
    invoice = Invoice.objects.get(pk=invoice_id) if invoice_id else None
    customer = order.customer
    context = {
        "order": order,
        "customer": customer,
        "invoice": invoice,
        "reason": reason,
        "order_url": settings.SITE_URL + reverse("orders:detail", args=[order.number]),
        "pay_url": settings.SITE_URL + reverse("payments:pay", args=[order.number]),
        "bank": bank_details(),
        "provider_name": settings.PROVIDER_NAME,
        "charged_to": _card_for_automatic_renewal(order),
    }
    with translation.override(customer.language):
        subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"notifications/{kind}.txt", context),
            to=[customer.user.email],
        )
        message.attach_alternative(render_to_string(f"notifications/{kind}.html", context), "text/html")
    if invoice:
        message.attach(invoice.pdf_filename, pdf.render(invoice), "application/pdf")
    message.send()


def _card_for_automatic_renewal(order: Order) -> SavedCard | None:
    """The card an automatic renewal will be charged to: its "order made" mail says so."""
    renews_by_itself = order.kind == Order.Kind.RENEWAL and order.service and order.service.auto_renew
    return SavedCard.objects.filter(customer_id=order.customer_id).first() if renews_by_itself else None
