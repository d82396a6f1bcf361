from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from catalog.models import Plan
from orders.services import OrderError, order_place_first_purchase


@customer_required
def plans(request):
    return render(request, "catalog/plans.html", {"plans": Plan.objects.filter(is_active=True)})


@require_POST
@customer_required
def buy(request, code):
    plan = get_object_or_404(Plan, code=code, is_active=True)
    try:
        order = order_place_first_purchase(customer=request.customer, plan=plan, actor=request.user)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("catalog:plans")
    messages.success(request, _("Ordine %(number)s creato: completa il pagamento.") % {"number": order.number})
    return redirect("orders:pay", number=order.number)
