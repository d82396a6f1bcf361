from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.access import customer_required, customer_scope
from lib.page_cache import cached_page
from subscriptions.selectors import service_for_customer


@customer_required
@cached_page(customer_scope)
def service_list(request):
    services = request.customer.services.select_related("plan").order_by("created_at")
    return render(request, "subscriptions/service_list.html", {"services": services})


@customer_required
@cached_page(customer_scope)
def service_detail(request, public_id):
    service = service_for_customer(request.customer, public_id)
    orders = Paginator(service.orders.for_table(), per_page=settings.ORDERS_PER_PAGE)
    return render(
        request,
        "subscriptions/service_detail.html",
        {
            "service": service,
            "orders": orders.get_page(request.GET.get("pagina")),
            "auto_renewal_lead_days": settings.AUTO_RENEWAL_LEAD_DAYS,
        },
    )
