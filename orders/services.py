"""The order's state machine and the workflows that place orders.

ATTESA_PAGAMENTO -> ATTIVO (paid and applied to the service) or -> ANNULLATO.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import trail
from catalog.models import Plan, SpaceStep
from lib import clock
from lib.money import Amounts, prorate
from notifications import mails
from orders.models import Order
from subscriptions import services as subscriptions
from subscriptions.models import RENEWABLE, Service

Kind, Status = Order.Kind, Order.Status


class OrderError(Exception):
    """A request the customer can understand and correct; the message says why."""


def _lock(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _lock_service(service_id: int) -> Service:
    return Service.objects.select_for_update().select_related("plan").get(pk=service_id)


def _create(*, service: Service, kind: str, plan: Plan, net: Decimal, actor, **fields) -> Order:
    amounts = Amounts.from_net(net, settings.VAT_RATE)
    order = Order.objects.create(
        customer_id=service.customer_id,
        service=service,
        kind=kind,
        plan=plan,
        net=amounts.net,
        vat_rate=settings.VAT_RATE,
        vat=amounts.vat,
        total=amounts.total,
        currency=settings.CURRENCY,
        **fields,
    )
    year = timezone.localtime(order.created_at).year
    order.number = f"{year}-{order.pk:06d}"
    order.save(update_fields=["number"])
    trail.record(order, "creato", actor=actor, to_state=order.status, kind=kind, total=order.total)
    mails.order_placed(order=order)
    return order


def order_waiting(service: Service, kind: str) -> Order | None:
    """The order of that kind waiting for payment on the service, if any (there is at most one)."""
    return Order.objects.filter(service=service, kind=kind, status=Status.AWAITING_PAYMENT).first()


@transaction.atomic
def order_place_first_purchase(*, customer, plan: Plan, actor) -> Order:
    if not plan.is_active:
        raise OrderError(_("Questo piano non è più in vendita."))
    service = subscriptions.service_open(customer=customer, plan=plan, actor=actor)
    return _create(
        service=service,
        kind=Kind.FIRST_PURCHASE,
        plan=plan,
        net=plan.price_net,
        actor=actor,
    )


@transaction.atomic
def order_place_renewal(*, service_id: int, actor, automatic: bool = False) -> tuple[Order, bool]:
    """The renewal order for the next term, or the one already waiting (created = False)."""
    service = _lock_service(service_id)
    if service.status not in RENEWABLE:
        raise OrderError(_("Questo servizio non può essere rinnovato."))
    if service.auto_renew and not automatic:
        raise OrderError(_("Il rinnovo automatico è attivo: il servizio si rinnoverà da solo."))
    waiting = order_waiting(service, Kind.RENEWAL)
    if waiting:
        return waiting, False
    order = _create(
        service=service,
        kind=Kind.RENEWAL,
        plan=service.plan,
        net=service.plan.price_net,
        actor=actor,
    )
    return order, True


def space_increase_price(service: Service, step: SpaceStep, today: datetime.date) -> Decimal:
    """The step's yearly price pro-rated to the days left in the current term, net of VAT."""
    return prorate(step.yearly_price_net, (service.expires_on - today).days, service.term_days)


@transaction.atomic
def order_place_space_increase(*, service_id: int, step: SpaceStep, actor) -> tuple[Order, bool]:
    service = _lock_service(service_id)
    waiting = order_waiting(service, Kind.SPACE_INCREASE)
    if waiting:
        return waiting, False
    if not service.can_increase_space:
        raise OrderError(_("Lo spazio si può aumentare solo su un servizio attivo e non scaduto."))
    if not step.is_active:
        raise OrderError(_("Questo pacchetto di spazio non è più in vendita."))
    order = _create(
        service=service,
        kind=Kind.SPACE_INCREASE,
        plan=service.plan,
        net=space_increase_price(service, step, clock.today()),
        actor=actor,
        extra_bytes=step.extra_bytes,
    )
    return order, True


@transaction.atomic
def order_choose_transfer(*, order_id: int, actor) -> Order:
    order = _lock(order_id)
    _require_awaiting(order)
    if order.payment_method != Order.PaymentMethod.TRANSFER:
        order.payment_method = Order.PaymentMethod.TRANSFER
        order.save(update_fields=["payment_method"])
        trail.record(order, "bonifico scelto", actor=actor)
    return order


@transaction.atomic
def order_declare_transfer(*, order_id: int, actor) -> Order:
    """The customer says the transfer is made: operators see it, the order still waits for the credit."""
    order = _lock(order_id)
    _require_awaiting(order)
    if order.payment_method != Order.PaymentMethod.TRANSFER:
        raise OrderError(_("Scegli prima il pagamento con bonifico."))
    if order.transfer_declared_at is None:
        order.transfer_declared_at = clock.now()
        order.save(update_fields=["transfer_declared_at"])
        trail.record(order, "bonifico dichiarato dal cliente", actor=actor)
    return order


@transaction.atomic
def order_cancel(*, order_id: int, actor) -> Order:
    order = _lock(order_id)
    _require_awaiting(order)
    order.status = Status.CANCELLED
    order.cancelled_at = clock.now()
    order.save(update_fields=["status", "cancelled_at"])
    trail.record(order, "annullato", actor=actor, from_state=Status.AWAITING_PAYMENT, to_state=order.status)
    if order.kind == Kind.FIRST_PURCHASE and order.service_id:
        subscriptions.service_discard(service_id=order.service_id, actor=actor)
        order.service = None
    return order


def order_mark_paid(*, order: Order, paid_at: datetime.datetime, actor) -> Order:
    """Applies a confirmed payment. The caller holds the order's row lock (payments.services)."""
    _require_awaiting(order)
    order.status = Status.ACTIVE
    order.paid_at = paid_at
    order.save(update_fields=["status", "paid_at"])
    trail.record(order, "pagato", actor=actor, from_state=Status.AWAITING_PAYMENT, to_state=order.status)
    paid_on = timezone.localdate(paid_at)
    try:
        if order.kind == Kind.FIRST_PURCHASE:
            subscriptions.service_activate(service_id=order.service_id, on=paid_on, actor=actor)
        elif order.kind == Kind.RENEWAL:
            subscriptions.service_renew(service_id=order.service_id, paid_on=paid_on, actor=actor)
        else:
            subscriptions.service_raise_quota(service_id=order.service_id, extra_bytes=order.extra_bytes, actor=actor)
    except subscriptions.IllegalServiceTransition as error:
        # The service can no longer take this order (an operator ceased it): nothing is paid.
        raise OrderError(str(error)) from error
    return order


def _require_awaiting(order: Order) -> None:
    if order.status == Status.ACTIVE:
        raise OrderError(_("L'ordine %(number)s è già pagato.") % {"number": order.number})
    if order.status == Status.CANCELLED:
        raise OrderError(_("L'ordine %(number)s è annullato.") % {"number": order.number})
