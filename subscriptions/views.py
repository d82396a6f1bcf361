from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import customer_required
from catalog.models import SpaceStep
from lib import clock
from lib.money import Amounts
from orders.models import Order
from orders.services import (
    OrderError,
    order_place_renewal,
    order_place_space_increase,
    order_waiting,
    space_increase_price,
)
from subscriptions.models import Service
from subscriptions.services import IllegalServiceTransition, service_set_auto_renew


def _get_service_for_customer(customer, public_id) -> Service:
    return get_object_or_404(Service.objects.select_related("plan"), public_id=public_id, customer=customer)


@customer_required
def service_list(request):
    services = request.customer.services.select_related("plan").order_by("created_at")
    return render(request, "subscriptions/service_list.html", {"services": services})


@customer_required
def service_detail(request, public_id):
    service = _get_service_for_customer(request.customer, public_id)
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
    service = _get_service_for_customer(request.customer, public_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        service = service_set_auto_renew(service_id=service.pk, enabled=enabled, actor=request.user)
    except IllegalServiceTransition as error:
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


@customer_required
def renew(request, public_id):
    """S3: what the renewal costs and until when, then the order."""
    service = _get_service_for_customer(request.customer, public_id)
    waiting = order_waiting(service, Order.Kind.RENEWAL)
    if waiting:
        messages.info(request, _("C'è già un ordine di rinnovo in attesa di pagamento: eccolo."))
        return redirect("orders:detail", number=waiting.number)
    if request.method == "POST":
        return _place_order(
            request,
            service,
            lambda: order_place_renewal(service_id=service.pk, actor=request.user),
            _("Ordine di rinnovo creato: completa il pagamento."),
        )
    if not service.can_renew_by_hand:
        messages.error(request, _("Il rinnovo automatico è attivo: il servizio si rinnoverà da solo."))
        return redirect("subscriptions:detail", public_id=public_id)
    today = clock.today()
    _starts_on, new_expiry = service.next_term(today)
    return render(request, "subscriptions/renew.html", {"service": service, "new_expiry": new_expiry, "today": today})


@customer_required
def increase_space(request, public_id):
    """S7: the space steps with their price pro-rated to the days left, then the order."""
    service = _get_service_for_customer(request.customer, public_id)
    waiting = order_waiting(service, Order.Kind.SPACE_INCREASE)
    if waiting:
        messages.info(request, _("C'è già un ordine di aumento spazio in attesa di pagamento: eccolo."))
        return redirect("orders:detail", number=waiting.number)
    if not service.can_increase_space:
        messages.error(request, _("Lo spazio si può aumentare solo su un servizio attivo e non scaduto."))
        return redirect("subscriptions:detail", public_id=public_id)
    steps = list(SpaceStep.objects.filter(is_active=True))
    if request.method == "POST":
        step = next((s for s in steps if str(s.pk) == request.POST.get("step")), None)
        if step is None:
            messages.error(request, _("Scegli quanto spazio aggiungere."))
        else:
            return _place_order(
                request,
                service,
                lambda: order_place_space_increase(service_id=service.pk, step=step, actor=request.user),
                _("Ordine di aumento spazio creato: completa il pagamento."),
            )
    today = clock.today()
    quotes = [(step, Amounts.from_net(space_increase_price(service, step, today), settings.VAT_RATE)) for step in steps]
    return render(
        request,
        "subscriptions/increase_space.html",
        {"service": service, "quotes": quotes, "days_left": (service.expires_on - today).days},
    )


def _place_order(request, service, place, created_message):
    """Places an order through `place`; then to its payment, or back to the service if refused."""
    try:
        order, _created = place()
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(service)
    messages.success(request, created_message)
    return redirect("orders:pay", number=order.number)
