"""Who may use a service's panel: its customer, after entering by the one-time link in this
session, or the service's own panel login. Anyone else finds no such panel (404)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import scope_of
from subscriptions.models import Service

SESSION_KEY = "panel_services"  # the services whose panel this session entered by the link
CLOSED = {Service.Status.SUSPENDED, Service.Status.CEASED}


def panel_open_in_session(request, service: Service) -> None:
    entered = set(request.session.get(SESSION_KEY, []))
    request.session[SESSION_KEY] = sorted(entered | {service.pk})


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
    return is_customer and service.pk in request.session.get(SESSION_KEY, [])


def panel_scope(request) -> str:
    """lib.page_cache's scope for a panel page: its service's customer, seen by request.user (the
    customer, or the panel's own login)."""
    return f"{scope_of(request.user, request.service.customer)}.s{request.service.pk}"


def redirect_to_panel(service: Service):
    return redirect("panel:home", public_id=service.public_id)
