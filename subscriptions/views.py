from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import customer_required
from subscriptions.selectors import service_for_customer
from subscriptions.services import ServiceError, service_set_auto_renew


@customer_required
def service_list(request):
    services = request.customer.services.select_related("plan").order_by("created_at")
    return render(request, "subscriptions/service_list.html", {"services": services})


@customer_required
def service_detail(request, public_id):
    service = service_for_customer(request.customer, public_id)
    orders = Paginator(
        service.orders.select_related("plan").prefetch_related("invoices"), per_page=settings.ORDERS_PER_PAGE
    )
    return render(
        request,
        "subscriptions/service_detail.html",
        {"service": service, "orders": orders.get_page(request.GET.get("pagina"))},
    )


@require_POST
@customer_required
def auto_renew_switch(request, public_id):
    service = service_for_customer(request.customer, public_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        service = service_set_auto_renew(service_id=service.pk, enabled=enabled, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        if request.htmx:
            return HttpResponseClientRedirect(service.get_absolute_url())
        return redirect(service)
    if request.htmx:
        return render(request, "subscriptions/_renewal_controls.html", {"service": service})
    if enabled:
        messages.success(request, _("Rinnovo automatico attivato."))
    else:
        messages.success(request, _("Rinnovo automatico disattivato: puoi rinnovare con «Rinnova»."))
    return redirect("subscriptions:detail", public_id=public_id)
