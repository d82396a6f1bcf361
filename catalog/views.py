from django.shortcuts import render

from accounts.access import customer_required
from accounts.tax import amounts_for
from catalog.models import Plan


@customer_required
def plans(request):
    """The plans on sale, each with what this customer would pay (VAT as it applies to them)."""
    offers = [(plan, amounts_for(request.customer, plan.price_net)) for plan in Plan.objects.filter(is_active=True)]
    return render(request, "catalog/plans.html", {"offers": offers})
