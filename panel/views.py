from django.shortcuts import get_object_or_404, render

from accounts.access import customer_required
from subscriptions.models import Service


@customer_required
def panel_entry(request, public_id):
    """S5: the way into the preservation panel. Until the panel is built, this page says so."""
    service = get_object_or_404(Service.objects.select_related("plan"), public_id=public_id, customer=request.customer)
    return render(request, "panel/entry.html", {"service": service})
