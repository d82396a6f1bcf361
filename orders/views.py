"""The customer's orders: buying a plan (first purchase), renewing (S3), adding space (S7), the
order list and page (O1–O5), declaring a transfer and cancelling (P2). Paying (P1) is payments'."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required, customer_scope
from catalog.models import Plan, SpaceStep
from lib import clock
from lib.page_cache import cached_page
from orders.forms import OrderRequestForm
from orders.models import Order
from orders.selectors import (
    active_add_ons,
    bank_details,
    order_for_customer,
    order_waiting,
    renewal_quote,
    space_increase_quote,
)
from orders.services import (
    EmailNotVerified,
    OrderError,
    order_cancel,
    order_declare_transfer,
    order_place_renewal,
    order_place_space_increase,
    order_request_first_purchase,
    require_awaiting_payment,
    require_renewable,
    require_space_increasable,
)
from subscriptions.selectors import service_for_customer


@require_POST
@customer_required
def buy(request, code):
    plan = get_object_or_404(Plan, code=code, is_active=True)
    form = OrderRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error())
        return redirect("catalog:plans")
    try:
        order, created = order_request_first_purchase(
            customer=request.customer, plan=plan, actor=request.user, idempotency_key=form.key()
        )
    except OrderError as error:
        return _refused(request, error, "catalog:plans")
    if not created:
        return _placed_already(request, order)
    messages.success(request, _("Ordine %(number)s creato: completa il pagamento.") % {"number": order.number})
    return redirect("payments:pay", number=order.number)


@customer_required
def renew(request, public_id):
    """S3: what the renewal costs and until when, then the order."""
    service = service_for_customer(request.customer, public_id)
    if waiting := order_waiting(service, Order.Kind.RENEWAL):
        return _show_waiting(request, waiting)
    add_ons = active_add_ons(service.pk)
    if request.method == "POST":
        kept = set(request.POST.getlist("keep"))
        dropped = [add_on.pk for add_on in add_ons if str(add_on.pk) not in kept]
        return _place_order(
            request,
            service,
            lambda key: order_place_renewal(
                service_id=service.pk, actor=request.user, dropped_add_ons=dropped, idempotency_key=key
            ),
            _("Ordine di rinnovo creato: completa il pagamento."),
        )
    try:
        require_renewable(service)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(service)
    today = clock.today()
    _starts_on, new_expiry = service.next_term(today)
    context = {
        "service": service,
        "new_expiry": new_expiry,
        "today": today,
        "add_ons": add_ons,
        "amounts": renewal_quote(service, add_ons),
    }
    return render(request, "orders/renew.html", context)


@customer_required
def increase_space(request, public_id):
    """S7: the space steps with their price pro-rated to the days left, then the order."""
    service = service_for_customer(request.customer, public_id)
    if waiting := order_waiting(service, Order.Kind.SPACE_INCREASE):
        return _show_waiting(request, waiting)
    try:
        require_space_increasable(service)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(service)
    steps = list(SpaceStep.objects.filter(is_active=True))
    if request.method == "POST":
        step = next((s for s in steps if str(s.pk) == request.POST.get("step")), None)
        if step is None:
            messages.error(request, _("Scegli quanto spazio aggiungere."))
        else:
            return _place_order(
                request,
                service,
                lambda key: order_place_space_increase(
                    service_id=service.pk, step=step, actor=request.user, idempotency_key=key
                ),
                _("Ordine di aumento spazio creato: completa il pagamento."),
            )
    today = clock.today()
    quotes = [(step, space_increase_quote(service, step, today)) for step in steps]
    return render(
        request,
        "orders/increase_space.html",
        {"service": service, "quotes": quotes, "days_left": service.days_to_expiry(today)},
    )


def _show_waiting(request, waiting: Order):
    """A second "Rinnova" or "Aumenta spazio" shows the order already waiting instead of another."""
    if waiting.kind == Order.Kind.RENEWAL:
        messages.info(request, _("C'è già un ordine di rinnovo in attesa di pagamento: eccolo."))
    else:
        messages.info(request, _("C'è già un ordine di aumento spazio in attesa di pagamento: eccolo."))
    return redirect("orders:detail", number=waiting.number)


def _place_order(request, service, place, created_message):
    """Places an order through `place`, given the form's key; then to its payment, or back to the
    service if refused, or to the order that the same form placed before."""
    form = OrderRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error())
        return redirect(request.path)
    try:
        order, created = place(form.key())
    except OrderError as error:
        return _refused(request, error, service)
    if not created:
        return _placed_already(request, order)
    messages.success(request, created_message)
    return redirect("payments:pay", number=order.number)


def _refused(request, error: OrderError, back_to):
    """An order refused: the reason, then back; an address not verified yet goes where the
    customer can have the link sent again."""
    messages.error(request, str(error))
    if isinstance(error, EmailNotVerified):
        return redirect("accounts:email_verification")
    return redirect(back_to)


def _placed_already(request, order: Order):
    """The same form posted again (a double click, the back button): the order it placed."""
    messages.info(request, _("L'ordine %(number)s è già stato creato: eccolo.") % {"number": order.number})
    return redirect("orders:detail", number=order.number)


@customer_required
@cached_page(customer_scope)
def order_list(request):
    orders = request.customer.orders.for_table().select_related("service")
    page = Paginator(orders, per_page=settings.ORDERS_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "orders/order_list.html", {"orders": page})


@customer_required
def order_detail(request, number):
    order = order_for_customer(request.customer, number)
    context = {"order": order, "bank": bank_details(), "invoices": order.invoices.all()}
    return render(request, "orders/order_detail.html", context)


@customer_required
@require_POST
def order_declare_transfer_view(request, number):
    """ "I have paid": the customer made the transfer; an operator will see it credited."""
    order = order_for_customer(request.customer, number)
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
    order = order_for_customer(request.customer, number)
    if request.method == "POST":
        try:
            order = order_cancel(order_id=order.pk, actor=request.user)
        except OrderError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Ordine %(number)s annullato.") % {"number": number})
        return redirect(_back_to(order))
    try:
        require_awaiting_payment(order)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("orders:detail", number=number)
    return render(request, "orders/order_cancel.html", {"order": order})


def _back_to(order: Order) -> str:
    if order.service_id:
        return order.service.get_absolute_url()
    return "orders:list"
