from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import customer_required
from subscriptions.selectors import service_for_customer


@customer_required
def panel_entry(request, public_id):
    """S5: the way into the preservation panel. Until the panel is built, this page says so."""
    service = service_for_customer(request.customer, public_id)
    if not service.panel_username:
        messages.info(request, _("Il Pannello si apre quando il servizio è attivo."))
        return redirect(service)
    return render(request, "panel/entry.html", {"service": service})
