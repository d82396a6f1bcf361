from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import customer_required
from orders.models import Order
from orders.services import OrderError, order_cancel, order_choose_transfer
from payments.sandbox import checkout_start


def _get_order_for_customer(customer, number) -> Order:
    return get_object_or_404(Order.objects.select_related("plan", "service"), number=number, customer=customer)


@customer_required
def order_list(request):
    orders = request.customer.orders.select_related("plan", "service")
    page = Paginator(orders, per_page=settings.ORDERS_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "orders/order_list.html", {"orders": page})


@customer_required
def order_detail(request, number):
    order = _get_order_for_customer(request.customer, number)
    return render(request, "orders/order_detail.html", {"order": order, "bank": _bank_details()})


@customer_required
def order_pay(request, number):
    """P1: choose how to pay: card on the provider's hosted page, or bank transfer."""
    order = _get_order_for_customer(request.customer, number)
    if not order.is_awaiting_payment:
        messages.error(request, _("Questo ordine non è in attesa di pagamento."))
        return redirect("orders:detail", number=number)
    if request.method == "POST":
        method = request.POST.get("method")
        try:
            if method == Order.PaymentMethod.CARD:
                checkout = checkout_start(order=order)
                return redirect("payments:sandbox_checkout", token=checkout.token)
            if method == Order.PaymentMethod.TRANSFER:
                order_choose_transfer(order_id=order.pk, actor=request.user)
                messages.success(request, _("Bonifico scelto: ecco i dati per effettuarlo."))
                return redirect("orders:detail", number=number)
        except OrderError as error:
            messages.error(request, str(error))
            return redirect("orders:detail", number=number)
        messages.error(request, _("Scegli un metodo di pagamento."))
    return render(request, "orders/order_pay.html", {"order": order, "methods": Order.PaymentMethod})


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
    return render(request, "orders/order_result.html", {"order": order})


def _back_to(order: Order) -> str:
    if order.service_id:
        return order.service.get_absolute_url()
    return "orders:list"


def _bank_details() -> dict:
    return {"beneficiary": settings.BANK_BENEFICIARY, "iban": settings.BANK_IBAN, "bank": settings.BANK_NAME}
