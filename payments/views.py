from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from payments import sandbox
from payments.forms import CardForm
from payments.models import SandboxCheckout, SavedCard
from payments.providers import get_provider
from payments.providers.sandbox import CODE as SANDBOX
from payments.services import card_remove
from payments.webhooks import receive


@login_not_required
def sandbox_checkout(request, token):
    """The sandbox provider's hosted payment page. Like a gateway's, it knows the checkout by
    its unguessable token, not by the customer's session."""
    checkout = _sandbox_checkout_or_404(token)
    form = CardForm(request.POST or None)
    error = ""
    if request.method == "POST" and checkout.status == SandboxCheckout.Status.OPEN and form.is_valid():
        error = sandbox.checkout_pay(
            token=token,
            card_number=form.cleaned_data["number"],
            expiry=form.cleaned_data["expiry"],
            save_card=form.cleaned_data["save_card"],
        )
        if not error:
            return redirect(_after_card(checkout))
    return _checkout_page(request, checkout, form, error)


@login_not_required
@require_POST
def sandbox_authenticate(request, token):
    """The card holder's bank asks for a second step (3-D Secure) before the charge."""
    checkout = _sandbox_checkout_or_404(token)
    error = sandbox.checkout_authenticate(token=token, approved=request.POST.get("decision") == "approve")
    if not error:
        return redirect(_after_card(checkout))
    return _checkout_page(request, checkout, CardForm(), error)


def _sandbox_checkout_or_404(token: str) -> SandboxCheckout:
    if SANDBOX not in settings.PAYMENT_PROVIDERS:
        raise Http404
    return get_object_or_404(SandboxCheckout, token=token)


def _after_card(checkout: SandboxCheckout) -> str:
    checkout.refresh_from_db()
    if checkout.status == SandboxCheckout.Status.REQUIRES_ACTION:
        return reverse("payments:sandbox_checkout", args=[checkout.token])
    # The return URL the merchant gave: it shows the order's state, it never marks it paid.
    return reverse("orders:result", args=[checkout.order_number])


def _checkout_page(request, checkout, form, error):
    checkout.refresh_from_db()
    return render(
        request,
        "payments/sandbox_checkout.html",
        {
            "checkout": checkout,
            "form": form,
            "error": error,
            "open": sandbox.checkout_is_open(checkout),
            "cards": sandbox.TEST_CARDS,
        },
    )


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
