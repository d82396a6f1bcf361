from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from accounts.access import customer_required
from billing import pdf
from billing.models import Invoice


@customer_required
def invoice_pdf(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("order"), pk=pk, customer=request.customer)
    response = HttpResponse(pdf.render(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.pdf_filename}"'
    return response
