"""Who may use a service's panel: its customer, after entering by the one-time link in this
session, or the service's own panel login. Anyone else finds no such panel (404)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import scope_of
from lib.page_cache import cached_page
from subscriptions.models import Service

SESSION_KEY = "panel_entered"  # the public ids of the services whose panel this session entered by the link
CLOSED = {Service.Status.SUSPENDED, Service.Status.CEASED}


def panel_open_in_session(request, service: Service) -> None:
    request.session[SESSION_KEY] = sorted({*_entered_by_link(request), str(service.public_id)})


def _entered_by_link(request) -> list[str]:
    return request.session.get(SESSION_KEY, [])


def panel_required(view):
    """Gives the view request.service, the panel's service; SOSPESO and CESSATO close the panel."""

    @login_not_required  # someone signed out is sent to the panel's own login, not the customer area's
    @wraps(view)
    def wrapper(request, public_id, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("panel:login"))
        service = Service.objects.select_related("plan", "customer").filter(public_id=public_id).first()
        if service is None or not _may_enter(request, service):
            raise Http404
        if service.status in CLOSED:
            return render(request, "panel/closed.html", {"service": service}, status=403)
        request.service = service
        return view(request, *args, **kwargs)

    return wrapper


def _may_enter(request, service: Service) -> bool:
    user = request.user
    if getattr(getattr(user, "panel_account", None), "service_id", None) == service.pk:
        return True
    is_customer = getattr(getattr(user, "customer", None), "pk", None) == service.customer_id
    return is_customer and str(service.public_id) in _entered_by_link(request)


def kept_panel_page(view):
    """panel_required for a page lib.page_cache keeps, under its service's customer's revision
    (the path in the key names the service). A customer who entered the panel by the link in this
    session is served it again from the session and the user alone, before the service is read:
    the page was kept by a request that read it and let them in at the same revision, and closing
    a panel advances the revision in the same transaction (subscriptions.services). Anyone else
    (the panel's own login) is let in first, then served it."""
    by_link = cached_page(_scope_by_link)(panel_required(view))
    once_in = panel_required(cached_page(_scope_once_in)(view))

    @login_not_required
    @wraps(view)
    def wrapper(request, public_id, *args, **kwargs):
        if str(public_id) in _entered_by_link(request) and hasattr(request.user, "customer"):
            return by_link(request, public_id, *args, **kwargs)
        return once_in(request, public_id, *args, **kwargs)

    return wrapper


def _scope_by_link(request) -> str:
    return scope_of(request.user, request.user.customer)


def _scope_once_in(request) -> str:
    return scope_of(request.user, request.service.customer)


def redirect_to_panel(service: Service):
    return redirect("panel:home", public_id=service.public_id)
