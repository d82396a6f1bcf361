from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render

from payments.forms import CardForm
from payments.models import SandboxCheckout
from payments.sandbox import TEST_CARDS, checkout_is_open, checkout_pay


@login_not_required
def sandbox_checkout(request, token):
    """The sandbox provider's hosted payment page. Like a gateway's, it knows the checkout by
    its unguessable token, not by the customer's session."""
    checkout = get_object_or_404(SandboxCheckout.objects.select_related("order"), token=token)
    form = CardForm(request.POST or None)
    error = ""
    if request.method == "POST" and checkout_is_open(checkout) and form.is_valid():
        error = checkout_pay(token=token, card_number=form.cleaned_data["number"])
        checkout.refresh_from_db()
        if not error:
            return redirect("orders:result", number=checkout.order.number)
    return render(
        request,
        "payments/sandbox_checkout.html",
        {"checkout": checkout, "form": form, "error": error, "open": checkout_is_open(checkout), "cards": TEST_CARDS},
    )
