import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from support.forms import AssistanceRequestForm
from support.guides import GUIDES, GUIDES_BY_SLUG
from support.services import assistance_request_open, guide_feedback_record


def help_index(request):
    return render(request, "support/help.html", {"guides": GUIDES})


def guide(request, slug):
    if slug not in GUIDES_BY_SLUG:
        raise Http404
    context = {"guide": GUIDES_BY_SLUG[slug], "auto_renewal_lead_days": settings.AUTO_RENEWAL_LEAD_DAYS}
    return render(request, GUIDES_BY_SLUG[slug].template, context)


@require_POST
@customer_required
def guide_feedback(request, slug):
    if slug not in GUIDES_BY_SLUG:
        raise Http404
    guide_feedback_record(guide=slug, helpful=request.POST.get("helpful") == "1", customer=request.customer)
    messages.success(request, _("Grazie per la tua opinione!"))
    return redirect("support:guide", slug=slug)


@customer_required
def assistance_request(request):
    initial = {"service": _service_from_query(request)}
    form = AssistanceRequestForm(request.POST or None, customer=request.customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        assistance_request_open(customer=request.customer, form=form)
        messages.success(request, _("Richiesta inviata: un nostro esperto ti risponderà al più presto."))
        return redirect("support:help")
    return render(request, "support/assistance_request.html", {"form": form})


def _service_from_query(request):
    try:
        public_id = uuid.UUID(request.GET.get("servizio", ""))
    except ValueError:
        return None
    return request.customer.services.filter(public_id=public_id).first()
