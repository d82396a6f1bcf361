from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from accounts.access import customer_required, customer_scope
from billing import fatturapa, pdf
from billing.models import Invoice
from lib.page_cache import cached_page


@customer_required
@cached_page(customer_scope)
def invoice_list(request):
    """Every invoice and credit note of the customer, newest first: what the accountant asks for."""
    invoices = request.customer.invoices.select_related("order", "corrects")
    invoices = invoices.defer("xml", "xml_errors", "corrects__xml", "corrects__xml_errors")  # a row shows neither
    page = Paginator(invoices, per_page=settings.ORDERS_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "billing/invoice_list.html", {"invoices": page})


def _invoice_for_customer(request, public_id) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related("order", "corrects"), public_id=public_id, customer=request.customer
    )


@customer_required
def invoice_pdf(request, public_id):
    invoice = _invoice_for_customer(request, public_id)
    return attachment(pdf.render(invoice), "application/pdf", invoice.pdf_filename)


@customer_required
def invoice_xml(request, public_id):
    """The FatturaPA itself, for the customer's accountant."""
    invoice = _invoice_for_customer(request, public_id)
    return attachment(invoice.xml.encode(), "application/xml", fatturapa.file_name(invoice))


def attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, no_store=True, private=True)  # a customer's invoice: never kept by a cache
    return response
