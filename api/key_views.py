"""The customer's API keys for a service, on the customer area's side of the panel: created (the key
shown on this one answer, never again), listed, revoked after a confirmation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from api.forms import ApiKeyForm, WebhookForm
from api.models import ApiKey, Webhook
from api.selectors import api_keys_for_service
from api.services import api_key_create, api_key_revoke, webhook_remove, webhook_set
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
    return _key_list(request, service, form=form)


def _key_list(request, service, *, form=None, webhook_form=None, status=200):
    context = {
        "service": service,
        "form": form or ApiKeyForm(),
        "keys": api_keys_for_service(service=service),
        "webhook": Webhook.objects.filter(service=service).first(),
        "webhook_form": webhook_form or WebhookForm(),
    }
    return render(request, "api/key_list.html", context, status=status)


@require_POST
@customer_required
def webhook_update(request, public_id):
    """Sets the webhook's address; the answer shows its signing secret, this once."""
    service = service_for_customer(request.customer, public_id)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _key_list(request, service, webhook_form=form, status=422)
    webhook, secret = webhook_set(service_id=service.pk, url=form.cleaned_data["url"], actor=request.user)
    return render(request, "api/webhook_set.html", {"service": service, "webhook": webhook, "secret": secret})


@require_POST
@customer_required
def webhook_delete(request, public_id):
    service = service_for_customer(request.customer, public_id)
    webhook_remove(service_id=service.pk, actor=request.user)
    messages.success(request, _("Webhook tolto: non vi mandiamo più gli esiti dei versamenti."))
    return redirect("api_keys:list", public_id=service.public_id)


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
