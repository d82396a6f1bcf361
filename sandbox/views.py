from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sandbox import gateway
from sandbox.forms import CardForm
from sandbox.models import Checkout


@login_not_required
def checkout_page(request, token):
    """The sandbox provider's hosted payment page. Like a gateway's, it knows the checkout by
    its unguessable token, not by the customer's session."""
    checkout = _sandbox_checkout_or_404(token)
    form = CardForm(request.POST or None)
    error = ""
    if request.method == "POST" and checkout.status == Checkout.Status.OPEN and form.is_valid():
        error = gateway.checkout_pay(
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
def authenticate(request, token):
    """The card holder's bank asks for a second step (3-D Secure) before the charge."""
    checkout = _sandbox_checkout_or_404(token)
    error = gateway.checkout_authenticate(token=token, approved=request.POST.get("decision") == "approve")
    if not error:
        return redirect(_after_card(checkout))
    return _checkout_page(request, checkout, CardForm(), error)


def _sandbox_checkout_or_404(token: str) -> Checkout:
    if not settings.SANDBOX_PAYMENTS:  # off, as in production
        raise Http404
    return get_object_or_404(Checkout, token=token)


def _after_card(checkout: Checkout) -> str:
    checkout.refresh_from_db()
    if checkout.status == Checkout.Status.REQUIRES_ACTION:
        return reverse("sandbox:checkout", args=[checkout.token])
    # The return URL the merchant gave: it shows the order's state, it never marks it paid.
    return checkout.return_url or "/"


def _checkout_page(request, checkout, form, error):
    checkout.refresh_from_db()
    return render(
        request,
        "sandbox/checkout.html",
        {
            "checkout": checkout,
            "form": form,
            "error": error,
            "open": gateway.checkout_is_open(checkout),
            "cards": gateway.TEST_CARDS,
        },
    )
