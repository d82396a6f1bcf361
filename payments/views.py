"""Paying an order (P1) and coming back from the provider, the saved card, and the providers'
notifications."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import customer_required, customer_scope
from accounts.client import client_address
from lib import clock
from lib.page_cache import cached_page
from orders.models import Order
from orders.selectors import order_for_customer
from orders.services import OrderError, require_awaiting_payment
from payments.checkout import payment_start
from payments.errors import PaymentError
from payments.forms import PayForm
from payments.models import SavedCard
from payments.providers import get_provider
from payments.providers.transfer import CODE as TRANSFER
from payments.renewals import auto_renew_switch
from payments.services import card_remove
from payments.webhooks import receive
from subscriptions.selectors import service_for_customer
from subscriptions.services import ServiceError


@customer_required
@cached_page(customer_scope)
def order_pay(request, number):
    """P1: choose how to pay: card on the provider's hosted page, or bank transfer."""
    order = order_for_customer(request.customer, number)
    try:
        require_awaiting_payment(order)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("orders:detail", number=number)
    form = PayForm(request.POST or None, saved_card=SavedCard.objects.filter(customer=request.customer).first())
    if request.method == "POST" and form.is_valid():
        method = form.cleaned_data["method"]
        try:
            url = payment_start(
                order=order,
                provider_code=settings.CARD_PAYMENT_PROVIDER if method == Order.PaymentMethod.CARD else TRANSFER,
                idempotency_key=form.cleaned_data["idempotency_key"].hex,
                saved_card=form.saved_card if method == PayForm.SAVED_CARD else None,
                actor=request.user,
            )
        except PaymentError as error:
            messages.error(request, str(error))
            return redirect("orders:detail", number=number)
        if method == Order.PaymentMethod.TRANSFER:
            messages.success(request, _("Bonifico scelto: ecco i dati per effettuarlo."))
        return redirect(url)
    for error in form.non_field_errors() + form["method"].errors + form["idempotency_key"].errors:
        messages.error(request, error)
    context = {
        "order": order,
        "methods": Order.PaymentMethod,
        "form": form,
        "cards": bool(settings.CARD_PAYMENT_PROVIDER),
        "saved_card": form.saved_card,
        "saved_card_method": PayForm.SAVED_CARD,
    }
    return render(request, "payments/order_pay.html", context)


@customer_required
def order_result(request, number):
    """Where the payment page sends the customer back; it shows what the order's state says."""
    order = order_for_customer(request.customer, number)
    return render(request, "payments/order_result.html", {"order": order})


@csrf_exempt  # the provider signs its notifications; it has no session or CSRF token
@login_not_required
@require_POST
def webhook(request, code):
    if code not in settings.PAYMENT_PROVIDERS or not get_provider(code).has_webhooks:
        raise Http404
    status, outcome = receive(
        code=code, body=request.body, headers=request.headers, remote_addr=request.META.get("REMOTE_ADDR")
    )
    return HttpResponse(outcome, status=status, content_type="text/plain")


@customer_required
def saved_card(request):
    """The card kept for automatic renewals: see it, remove it."""
    if request.method == "POST":
        if card_remove(customer=request.customer, actor=request.user):
            messages.success(request, _("Carta rimossa: i rinnovi automatici andranno pagati dall'Area Clienti."))
        return redirect("payments:saved_card")
    card = SavedCard.objects.filter(customer=request.customer).first()
    return render(request, "payments/saved_card.html", {"card": card})


@require_POST
@customer_required
def auto_renew(request, public_id):
    """S4: switches automatic renewal, then says what happens next (the next charge's date and
    amount, or the automatic renewal order it cancelled); htmx gets the controls alone."""
    service = service_for_customer(request.customer, public_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        switched = auto_renew_switch(
            service_id=service.pk, enabled=enabled, actor=request.user, address=client_address(request)
        )
    except ServiceError as error:
        messages.error(request, str(error))
        if request.htmx:
            return HttpResponseClientRedirect(service.get_absolute_url())
        return redirect(service)
    context = {
        "service": switched.service,
        "switched": switched,
        "today": clock.today(),
        "auto_renewal_lead_days": settings.AUTO_RENEWAL_LEAD_DAYS,
    }
    if request.htmx:  # the controls, and the state's words out of band (they change with the switch)
        return render(request, "payments/_auto_renew_response.html", context)
    messages.success(request, render_to_string("payments/_auto_renew_switched.html", context, request).strip())
    return redirect(service)
