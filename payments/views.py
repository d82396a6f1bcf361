from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from payments.models import SavedCard
from payments.providers import get_provider
from payments.services import card_remove
from payments.webhooks import receive


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
