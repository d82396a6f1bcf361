"""The customer's API keys for a service, on the customer area's side of the panel: created (the key
shown on this one answer, never again), listed, revoked after a confirmation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import customer_required
from api.forms import ApiKeyForm
from api.models import ApiKey
from api.selectors import api_keys_for_service
from api.services import api_key_create, api_key_revoke
from subscriptions.selectors import service_for_customer


@customer_required
def key_list(request, public_id):
    service = service_for_customer(request.customer, public_id)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, secret = api_key_create(
            service_id=service.pk,
            name=form.cleaned_data["name"],
            may_deposit=form.cleaned_data["may_deposit"],
            may_read=form.cleaned_data["may_read"],
            expires_at=form.expires_at(),
            actor=request.user,
        )
        # Rendered, not redirected: the key is in this answer only (no-store: PrivateResponsesMiddleware).
        return render(request, "api/key_created.html", {"service": service, "key": key, "secret": secret})
    context = {"service": service, "form": form, "keys": api_keys_for_service(service=service)}
    return render(request, "api/key_list.html", context)


@customer_required
def key_revoke(request, public_id, prefix):
    """A GET asks for confirmation; the POST (with its CSRF token) revokes."""
    service = service_for_customer(request.customer, public_id)
    key = _key_for_service(service, prefix)
    if request.method == "POST":
        api_key_revoke(service_id=service.pk, prefix=key.prefix, actor=request.user)
        messages.success(request, _("Chiave «%(name)s» revocata: non apre più l'API.") % {"name": key.name})
        return redirect("api_keys:list", public_id=service.public_id)
    return render(request, "api/key_revoke.html", {"service": service, "key": key})


def _key_for_service(service, prefix: str) -> ApiKey:
    key = api_keys_for_service(service=service).filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        raise Http404
    return key
