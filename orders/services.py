"""The order's state machine and the workflows that place orders.

ATTESA_PAGAMENTO -> ATTIVO (paid and applied to the service) or -> ANNULLATO.
"""

import datetime
from collections.abc import Callable, Collection
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.tax import amounts_for, vat_treatment
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from catalog.models import GB, Plan, SpaceStep
from lib import clock, events
from orders.events import OrderCancelled, OrderPaymentFailed, OrderPlaced
from orders.models import Order, OrderLine
from orders.selectors import active_add_ons, order_waiting, space_increase_quote
from subscriptions import services as subscriptions
from subscriptions.models import Service

Kind, Status = Order.Kind, Order.Status
Action = AuditEntry.Action


class OrderError(Exception):
    """A request the customer can understand and correct; the message says why."""


class EmailNotVerified(OrderError):
    """The customer's address is not verified yet: the page offers to send the link again."""


def _lock(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _set_changed(order: Order, wanted: dict[str, str]) -> dict[str, str]:
    """Saves the fields whose value differs; returns them with their new values."""
    changed = {field: value for field, value in wanted.items() if getattr(order, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(order, field, value)
        order.save(update_fields=list(changed))
    return changed


def _lock_service(service_id: int) -> Service:
    return Service.objects.select_for_update(of=("self",)).select_related("plan", "customer__user").get(pk=service_id)


def _lock_service_for_form(service_id: int, idempotency_key: str | None) -> Service:
    """The service's row locked, after its customer's when a form posted it (_lock_customer_for_form)."""
    if idempotency_key:
        customer_id = Service.objects.values_list("customer_id", flat=True).get(pk=service_id)
        _lock_customer_for_form(customer_id, idempotency_key)
    return _lock_service(service_id)


def _placed_with(customer_id: int, idempotency_key: str | None) -> Order | None:
    """The order the same form placed already, if it was posted before."""
    if not idempotency_key:
        return None
    return Order.objects.filter(customer_id=customer_id, idempotency_key=idempotency_key).first()


def _lock_customer_for_form(customer_id: int, idempotency_key: str | None) -> None:
    """Locks the customer's row before a form's order is looked for, so that the same form
    posted several times at once (to one service or to several: the key is the customer's)
    places one order: the others wait, then find it. Taken first, before the service's row; not
    taken without a key: the automatic renewal holds its service's row already."""
    if idempotency_key:
        Customer.objects.select_for_update().filter(pk=customer_id).exists()


def _place_once(customer_id: int, idempotency_key: str | None, place: Callable[[], Order]) -> tuple[Order, bool]:
    """(place(), True), or (the order the same form placed, False) when the database refuses a
    second one with the same key (order_once_per_form) that the lock did not keep out."""
    try:
        with transaction.atomic():  # a savepoint: the refused order leaves nothing behind
            return place(), True
    except IntegrityError:
        placed = _placed_with(customer_id, idempotency_key)
        if placed is None:
            raise
        return placed, False


def _create(
    *,
    service: Service,
    kind: str,
    plan: Plan,
    lines: list[OrderLine],
    actor: Actor,
    idempotency_key: str | None = None,
    automatic: bool = False,
) -> Order:
    """An order of these lines, its net their sum, priced as VAT applies to its customer now
    (accounts/tax.py)."""
    treatment = vat_treatment(service.customer)
    amounts = amounts_for(service.customer, sum((line.net for line in lines), Decimal("0.00")))
    extra_bytes = sum(line.size_bytes for line in lines) if kind == Kind.SPACE_INCREASE else 0
    order = Order.objects.create(
        customer_id=service.customer_id,
        service=service,
        kind=kind,
        plan=plan,
        extra_bytes=extra_bytes,
        net=amounts.net,
        vat_rate=treatment.rate,
        vat=amounts.vat,
        total=amounts.total,
        split_payment=treatment.split_payment,
        currency=settings.CURRENCY,
        idempotency_key=idempotency_key or None,
        placed_automatically=automatic,
    )
    year = timezone.localtime(order.created_at).year
    order.number = f"{year}-{order.pk:06d}"
    order.save(update_fields=["number"])
    for position, line in enumerate(lines, start=1):
        line.order, line.position = order, position
    OrderLine.objects.bulk_create(lines)
    trail.record(order, Action.ORDER_PLACED, actor=actor, to_state=order.status, kind=kind, total=order.total)
    events.publish(OrderPlaced(order=order))
    return order


# The rules a page checks before offering an action, and the service checks again when it is
# taken: one function each, so that the page and the service say the same thing.


def require_verified_email(customer: Customer) -> None:
    """Buying, renewing and adding space wait until the customer has opened the link mailed to
    their address at sign-up (accounts.services.email_verify)."""
    if not customer.user.is_email_verified:
        raise EmailNotVerified(
            _("Prima di acquistare conferma il tuo indirizzo email con il link che ti abbiamo scritto.")
        )


def require_renewable(service: Service, *, automatic: bool = False) -> None:
    if refusal := service.renewal_refusal(automatic=automatic):
        raise OrderError(refusal)


def require_space_increasable(service: Service) -> None:
    if refusal := service.space_increase_refusal():
        raise OrderError(refusal)


def require_awaiting_payment(order: Order) -> None:
    if order.is_awaiting_payment:
        return
    if order.status == Status.ACTIVE:
        raise OrderError(_("L'ordine %(number)s è già pagato.") % {"number": order.number})
    raise OrderError(_("L'ordine %(number)s è annullato.") % {"number": order.number})


@transaction.atomic
def order_request_first_purchase(
    *, customer: Customer, plan: Plan, actor: Actor, idempotency_key: str
) -> tuple[Order, bool]:
    """The Acquista form: a new service and its first order (created = True), or the order the
    same form placed before (created = False). The customer's row is locked first, so that the
    same form posted several times at once places one order: the others wait, then find it."""
    _lock_customer_for_form(customer.pk, idempotency_key)
    if placed := _placed_with(customer.pk, idempotency_key):
        return placed, False
    return _place_once(
        customer.pk,
        idempotency_key,
        lambda: order_place_first_purchase(customer=customer, plan=plan, actor=actor, idempotency_key=idempotency_key),
    )


@transaction.atomic
def order_place_first_purchase(
    *, customer: Customer, plan: Plan, actor: Actor, idempotency_key: str | None = None
) -> Order:
    require_verified_email(customer)
    if not plan.is_active:
        raise OrderError(_("Questo piano non è più in vendita."))
    service = subscriptions.service_open(customer=customer, plan=plan, actor=actor)
    return _create(
        service=service,
        kind=Kind.FIRST_PURCHASE,
        plan=plan,
        lines=[_plan_line(plan)],
        actor=actor,
        idempotency_key=idempotency_key,
    )


def _plan_line(plan: Plan) -> OrderLine:
    return OrderLine(kind=OrderLine.Kind.PLAN, yearly_price_net=plan.price_net, net=plan.price_net)


@transaction.atomic
def order_place_renewal(
    *,
    service_id: int,
    actor: Actor,
    automatic: bool = False,
    dropped_add_ons: Collection[int] = (),
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """The renewal order for the next term, or the one already waiting or placed by the same form
    (created = False): the plan, and each add-on at its yearly price but those the customer drops
    (the documents must still fit)."""
    service = _lock_service_for_form(service_id, idempotency_key)
    if placed := _placed_with(service.customer_id, idempotency_key):
        return placed, False
    require_verified_email(service.customer)
    require_renewable(service, automatic=automatic)
    waiting = order_waiting(service, Kind.RENEWAL)
    if waiting:
        return waiting, False
    _require_no_waiting(service, Kind.SPACE_INCREASE)
    kept = [add_on for add_on in active_add_ons(service.pk) if add_on.pk not in dropped_add_ons]
    quota = service.plan.quota_bytes + sum(add_on.size_bytes for add_on in kept)
    if service.used_bytes > quota:
        raise OrderError(
            _("I documenti occupano %(used)s GB: senza lo spazio aggiuntivo non ci stanno (%(quota)s GB).")
            % {"used": _gb(service.used_bytes), "quota": _gb(quota)}
        )
    lines = [_plan_line(service.plan)] + [
        OrderLine(
            kind=OrderLine.Kind.SPACE,
            add_on=add_on,
            size_bytes=add_on.size_bytes,
            yearly_price_net=add_on.yearly_price_net,
            net=add_on.yearly_price_net,
        )
        for add_on in kept
    ]
    return _place_once(
        service.customer_id,
        idempotency_key,
        lambda: _create(
            service=service,
            kind=Kind.RENEWAL,
            plan=service.plan,
            lines=lines,
            actor=actor,
            idempotency_key=idempotency_key,
            automatic=automatic,
        ),
    )


def _require_no_waiting(service: Service, kind: str) -> None:
    """A renewal and a space increase are not placed while the other waits: the renewal prices
    every add-on the service has, so none may appear between its order and its payment."""
    if waiting := order_waiting(service, kind):
        raise OrderError(
            _("C'è l'ordine %(number)s in attesa di pagamento: pagalo o annullalo prima.") % {"number": waiting.number}
        )


def _gb(size: int) -> str:
    return f"{size / GB:.1f}".replace(".0", "")


@transaction.atomic
def order_place_space_increase(
    *, service_id: int, step: SpaceStep, actor: Actor, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    service = _lock_service_for_form(service_id, idempotency_key)
    if placed := _placed_with(service.customer_id, idempotency_key):
        return placed, False
    require_verified_email(service.customer)
    waiting = order_waiting(service, Kind.SPACE_INCREASE)
    if waiting:
        return waiting, False
    require_space_increasable(service)
    if not step.is_active:
        raise OrderError(_("Questo pacchetto di spazio non è più in vendita."))
    _require_no_waiting(service, Kind.RENEWAL)
    quote = space_increase_quote(service, step, clock.today())
    if quote.total <= 0:  # a free order would still make an invoice
        raise OrderError(_("Mancano troppo pochi giorni alla scadenza: aggiungi lo spazio con il rinnovo."))
    line = OrderLine(
        kind=OrderLine.Kind.SPACE, size_bytes=step.extra_bytes, yearly_price_net=step.yearly_price_net, net=quote.net
    )
    return _place_once(
        service.customer_id,
        idempotency_key,
        lambda: _create(
            service=service,
            kind=Kind.SPACE_INCREASE,
            plan=service.plan,
            lines=[line],
            actor=actor,
            idempotency_key=idempotency_key,
        ),
    )


@transaction.atomic
def order_start_payment(*, order_id: int, provider: str, actor: Actor, method: str = Order.PaymentMethod.NONE) -> Order:
    """A new payment begins: the last failure no longer stands, and the method is kept when the
    customer chose one here (a saved card; a hosted checkout's card is known to the provider only)."""
    order = _lock(order_id)
    require_awaiting_payment(order)
    wanted = {"last_payment_error": ""} | ({"payment_method": method} if method else {})
    if changed := _set_changed(order, wanted):
        trail.record(order, Action.ORDER_PAYMENT_STARTED, actor=actor, provider=provider, **changed)
    return order


@transaction.atomic
def order_choose_transfer(*, order_id: int, actor: Actor) -> Order:
    order = _lock(order_id)
    require_awaiting_payment(order)
    if order.payment_method != Order.PaymentMethod.TRANSFER:
        order.payment_method = Order.PaymentMethod.TRANSFER
        order.save(update_fields=["payment_method"])
        trail.record(order, Action.ORDER_TRANSFER_CHOSEN, actor=actor)
    return order


@transaction.atomic
def order_declare_transfer(*, order_id: int, actor: Actor) -> Order:
    """The customer says the transfer is made: operators see it, the order still waits for the credit."""
    order = _lock(order_id)
    require_awaiting_payment(order)
    if order.payment_method != Order.PaymentMethod.TRANSFER:
        raise OrderError(_("Scegli prima il pagamento con bonifico."))
    if order.transfer_declared_at is None:
        order.transfer_declared_at = clock.now()
        order.save(update_fields=["transfer_declared_at"])
        trail.record(order, Action.ORDER_TRANSFER_DECLARED, actor=actor)
    return order


@transaction.atomic
def order_note_payment_failure(*, order_id: int, reason: str, actor: Actor) -> bool:
    """A provider refused a charge: the waiting order says why, and the customer hears of it.
    False when the order no longer waits (the failure came after another payment)."""
    order = _lock(order_id)
    if not order.is_awaiting_payment:
        return False
    order.last_payment_error = reason[:200]
    order.save(update_fields=["last_payment_error"])
    trail.record(order, Action.ORDER_PAYMENT_FAILED, actor=actor, reason=reason)
    events.publish(OrderPaymentFailed(order=order, reason=reason))
    return True


@transaction.atomic
def order_cancel(*, order_id: int, actor: Actor) -> Order:
    order = _lock(order_id)
    require_awaiting_payment(order)
    order.status = Status.CANCELLED
    order.cancelled_at = clock.now()
    order.save(update_fields=["status", "cancelled_at"])
    trail.record(order, Action.ORDER_CANCELLED, actor=actor, from_state=Status.AWAITING_PAYMENT, to_state=order.status)
    if order.kind == Kind.FIRST_PURCHASE and order.service_id:
        subscriptions.service_discard(service_id=order.service_id, actor=actor)
        order.service = None
    events.publish(OrderCancelled(order=order))
    return order


def order_mark_paid(*, order: Order, paid_at: datetime.datetime, actor: Actor) -> Order:
    """Applies a confirmed payment. The caller holds the order's row lock (order_by_number(lock=True))."""
    require_awaiting_payment(order)
    order.status = Status.ACTIVE
    order.paid_at = paid_at
    order.save(update_fields=["status", "paid_at"])
    trail.record(order, Action.ORDER_PAID, actor=actor, from_state=Status.AWAITING_PAYMENT, to_state=order.status)
    paid_on, service_id = timezone.localdate(paid_at), order.service_id
    if service_id is None:
        raise OrderError(_("Il servizio di questo ordine non esiste più."))
    try:
        if order.kind == Kind.FIRST_PURCHASE:
            subscriptions.service_activate(service_id=service_id, on=paid_on, actor=actor)
        elif order.kind == Kind.RENEWAL:
            renewed = {line.add_on_id for line in order.lines.all()}
            dropped = [add_on.pk for add_on in active_add_ons(service_id) if add_on.pk not in renewed]
            subscriptions.service_renew(service_id=service_id, paid_on=paid_on, actor=actor, dropped_add_ons=dropped)
        else:
            line = order.lines.get()
            subscriptions.service_add_space(
                service_id=service_id,
                size_bytes=line.size_bytes,
                yearly_price_net=line.yearly_price_net,
                on=paid_on,
                actor=actor,
            )
    except subscriptions.ServiceError as error:
        # The service can no longer take this order (an operator ceased it): nothing is paid.
        raise OrderError(str(error)) from error
    return order
