"""The preservation panel: entering it (S5), its own login, and its pages."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from accounts.two_factor import two_factor_device
from accounts.two_factor_views import start_second_step
from archive.selectors import fiscal_deadlines
from panel.access import panel_open_in_session, panel_required, redirect_to_panel
from panel.forms import PanelLoginForm, PanelPasswordForm
from panel.services import PanelError, panel_password_set, ticket_issue, ticket_redeem
from subscriptions.selectors import service_for_customer

PANEL_BACKEND = "accounts.backends.AccountBackend"


@customer_required
def panel_entry(request, public_id):
    """S5: "Accedi al Pannello" asks for a one-time link and follows it."""
    service = service_for_customer(
        request.customer, public_id
    )  # first: another's service is a 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        token = ticket_issue(service=service, user=request.user)
    except PanelError as error:
        messages.info(request, str(error))
        return redirect(service)
    return redirect("panel:redeem", token=token)


@customer_required
def panel_redeem(request, token):
    """The one-time link: a GET shows it (a link must not change anything), its button enters."""
    if request.method != "POST":
        return render(request, "panel/redeem.html", {"token": token})
    try:
        service = ticket_redeem(token=token, user=request.user)
    except PanelError as error:
        messages.error(request, str(error))
        return redirect("subscriptions:list")
    panel_open_in_session(request, service)
    return redirect_to_panel(service)


@login_not_required
def panel_login(request):
    """The panel's own login (the panel username and its password): for whoever the customer
    gave them to, who sees this panel and nothing of the customer area."""
    form = PanelLoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        home = reverse("panel:home", args=[form.user.panel_account.service.public_id])
        if two_factor_device(form.user) is not None:  # the same second step as every sign-in
            return start_second_step(request, form.user, PANEL_BACKEND, home, password_step_url=reverse("panel:login"))
        login(request, form.user, backend=PANEL_BACKEND)
        return redirect(home)
    return render(request, "panel/login.html", {"form": form})


@require_POST
def panel_logout(request):
    logout(request)
    messages.info(request, _("Sei uscito dal Pannello."))
    return redirect("panel:login")


@customer_required
def panel_password(request, public_id):
    """The customer sets the panel's own password, to give the panel (and only it) to someone."""
    service = service_for_customer(request.customer, public_id)
    form = PanelPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            panel_password_set(service_id=service.pk, password=form.cleaned_data["password"], actor=request.user)
        except PanelError as error:
            form.add_error("password", str(error))
        else:
            messages.success(
                request,
                _("Password del pannello impostata: con lo username %(username)s si entra nel Pannello da %(url)s.")
                % {"username": service.panel_username, "url": request.build_absolute_uri("/pannello/accedi/")},
            )
            return redirect(service)
    return render(request, "panel/password.html", {"service": service, "form": form})


@panel_required
def panel_home(request):
    """The archive's home: whose it is, the space it uses, and each fiscal year's deadline."""
    service = request.service
    context = {
        "service": service,
        "customer": service.customer,
        "deadlines": fiscal_deadlines(service=service),
    }
    return render(request, "panel/home.html", context)
