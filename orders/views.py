from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from orders.forms import PayForm
from orders.models import Order
from orders.services import OrderError, order_cancel, order_declare_transfer
from payments.models import SavedCard
from payments.providers.transfer import CODE as TRANSFER
from payments.providers.transfer import bank_details
from payments.services import open_credit, payment_start


def _get_order_for_customer(customer, number) -> Order:
    return get_object_or_404(Order.objects.select_related("plan", "service"), number=number, customer=customer)


@customer_required
def order_list(request):
    orders = request.customer.orders.select_related("plan", "service").prefetch_related("invoices")
    page = Paginator(orders, per_page=settings.ORDERS_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "orders/order_list.html", {"orders": page, "credit": open_credit(request.customer)})


@customer_required
def order_detail(request, number):
    order = _get_order_for_customer(request.customer, number)
    context = {
        "order": order,
        "bank": bank_details(),
        "invoices": order.invoices.all(),
        "credited": order.payments.filter(applied=False),
    }
    return render(request, "orders/order_detail.html", context)


@customer_required
def order_pay(request, number):
    """P1: choose how to pay: card on the provider's hosted page, or bank transfer."""
    order = _get_order_for_customer(request.customer, number)
    if not order.is_awaiting_payment:
        messages.error(request, _("Questo ordine non è in attesa di pagamento."))
        return redirect("orders:detail", number=number)
    form = PayForm(request.POST or None, saved_card=SavedCard.objects.filter(customer=request.customer).first())
    if request.method == "POST" and form.is_valid():
        method = form.cleaned_data["method"]
        try:
            url = payment_start(
                order=order,
                provider_code=settings.CARD_PAYMENT_PROVIDER if method == Order.PaymentMethod.CARD else TRANSFER,
                idempotency_key=form.cleaned_data["idempotency_key"].hex,
                saved_card=form.saved_card if method == PayForm.SAVED_CARD else None,
            )
        except OrderError as error:
            messages.error(request, str(error))
            return redirect("orders:detail", number=number)
        if method == Order.PaymentMethod.TRANSFER:
            messages.success(request, _("Bonifico scelto: ecco i dati per effettuarlo."))
        return redirect(url)
    for error in form.non_field_errors() + form["method"].errors + form["idempotency_key"].errors:
        messages.error(request, error)
    context = {
        "order": order,
        "methods": Order.PaymentMethod,
        "form": form,
        "cards": bool(settings.CARD_PAYMENT_PROVIDER),
        "saved_card": form.saved_card,
        "saved_card_method": PayForm.SAVED_CARD,
    }
    return render(request, "orders/order_pay.html", context)


@customer_required
@require_POST
def order_declare_transfer_view(request, number):
    """ "I have paid": the customer made the transfer; an operator will see it credited."""
    order = _get_order_for_customer(request.customer, number)
    try:
        order_declare_transfer(order_id=order.pk, actor=request.user)
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Grazie: registreremo il bonifico appena risulta accreditato."))
    return redirect("orders:detail", number=number)


@customer_required
def order_cancel_confirm(request, number):
    """P2: a confirmation page (the dialog's fallback without JavaScript), then the cancellation."""
    order = _get_order_for_customer(request.customer, number)
    if request.method == "POST":
        try:
            order = order_cancel(order_id=order.pk, actor=request.user)
        except OrderError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Ordine %(number)s annullato.") % {"number": number})
        return redirect(_back_to(order))
    if not order.is_awaiting_payment:
        messages.error(request, _("Si possono annullare solo gli ordini in attesa di pagamento."))
        return redirect("orders:detail", number=number)
    return render(request, "orders/order_cancel.html", {"order": order})


@customer_required
def order_result(request, number):
    """Where the payment page sends the customer back; it shows what the order's state says."""
    order = _get_order_for_customer(request.customer, number)
    context = {"order": order, "credited": order.payments.filter(applied=False)}
    return render(request, "orders/order_result.html", context)


def _back_to(order: Order) -> str:
    if order.service_id:
        return order.service.get_absolute_url()
    return "orders:list"
