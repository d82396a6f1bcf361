"""Money in: payments confirmed by a provider or an operator, credits, the operators' queue,
saved cards."""

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Customer
from audit import trail
from audit.actors import Actor, actor_label
from audit.models import AuditEntry
from billing.services import invoice_issue
from lib import clock, events
from orders.selectors import order_by_number
from orders.services import (
    OrderError,
    order_mark_paid,
    order_note_payment_failure,
)
from payments.checkout import attempts_close
from payments.errors import PaymentError, PaymentMismatch, UnknownOrder, order_refusals_as_payment_errors
from payments.events import PaymentCredited, PaymentReceived
from payments.models import Payment, PaymentIssue, SavedCard
from payments.providers import get_provider, payment_means
from payments.providers.base import CardDetails, ProviderUnavailable

logger = logging.getLogger(__name__)
Action = AuditEntry.Action


@transaction.atomic
def payment_confirm(
    *,
    order_number: str,
    provider: str,
    provider_payment_id: str,
    amount: Decimal,
    currency: str,
    actor: Actor,
    operated_on: datetime.date | None = None,
) -> Payment:
    """Records a payment the provider confirmed and applies it to the order, exactly once.
    `operated_on` is the day the money moved when it was earlier than today (a bank's booking
    date): the invoice belongs to that day.

    The order row is locked first, so a second confirmation of the same payment (a retried
    notification, an operator's double click) waits and then finds the payment already there.
    Money for an order that cannot take it any more becomes the customer's credit.
    """
    order = order_by_number(order_number, lock=True)
    if order is None:
        raise UnknownOrder(_("Nessun ordine %(number)s.") % {"number": order_number})
    existing = Payment.objects.filter(provider=provider, provider_payment_id=provider_payment_id).first()
    if existing:
        return existing
    if not order.is_exact_payment(amount, currency):
        raise PaymentMismatch(
            _("L'importo confermato (%(amount)s %(currency)s) non corrisponde all'ordine %(number)s.")
            % {"amount": amount, "currency": currency, "number": order.number}
        )
    payment = Payment(
        order=order,
        provider=provider,
        provider_payment_id=provider_payment_id,
        amount=amount,
        currency=currency,
        confirmed_by=actor_label(actor),
    )
    attempts_close(order)  # paid now, or never: no checkout left open can charge it again
    try:
        with transaction.atomic():
            order_mark_paid(order=order, paid_at=payment.confirmed_at, actor=actor)
    except OrderError as refusal:
        order.refresh_from_db()  # the savepoint undid what order_mark_paid began
        payment.applied = False
        payment.save()
        _credit(payment, str(refusal), actor)
        return payment
    payment.save()
    _invoice_and_tell(payment, actor, operated_on)
    return payment


def _invoice_and_tell(payment: Payment, actor: Actor, operated_on: datetime.date | None = None) -> None:
    """A payment has just paid its order: its invoice, and the layers above are told."""
    invoice = invoice_issue(
        order=payment.order, payment_means=payment_means(payment.provider), actor=actor, operated_on=operated_on
    )
    payment.invoice = invoice
    payment.save(update_fields=["invoice"])
    events.publish(PaymentReceived(payment=payment, invoice=invoice))


def _credit(payment: Payment, why: str, actor: Actor) -> PaymentIssue:
    order = payment.order
    trail.record(order, Action.PAYMENT_CREDITED, actor=actor, amount=payment.amount, reason=why)
    logger.warning("payment %s for order %s kept as credit: %s", payment.provider_payment_id, order.number, why)
    issue = PaymentIssue.objects.create(
        kind=PaymentIssue.Kind.CREDIT,
        customer=order.customer,
        order=order,
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        detail=why[:500],
    )
    events.publish(PaymentCredited(order=order, reason=why))
    return issue


def payment_failed(*, order_number: str, reason: str, actor: Actor) -> str:
    """A provider says a charge failed: the customer hears of it, if the order still waits."""
    order = order_by_number(order_number)
    if order is None:
        raise UnknownOrder(_("Nessun ordine %(number)s.") % {"number": order_number})
    attempts_close(order, saved_card_only=True)  # its outcome is in: the customer may try again
    if not order_note_payment_failure(order_id=order.pk, reason=reason, actor=actor):
        return "failure ignored: order no longer waiting"
    return "failure noted"


@transaction.atomic
def credit_apply(*, issue_id: int, order_number: str, operator: Actor) -> PaymentIssue:
    """An operator uses a customer's credit to pay another of the customer's waiting orders of the
    same total: the payment moves to that order, which is paid and invoiced."""
    issue = PaymentIssue.objects.select_for_update(of=("self",)).select_related("payment").get(pk=issue_id)
    payment = issue.payment
    if not issue.is_open or issue.kind != PaymentIssue.Kind.CREDIT or payment is None or payment.applied:
        raise PaymentError(_("Solo un credito ancora aperto può pagare un ordine."))
    order = order_by_number(order_number.strip(), lock=True)
    if order is None or order.customer_id != issue.customer_id:
        raise PaymentError(_("Il cliente non ha un ordine %(number)s.") % {"number": order_number})
    if not order.is_exact_payment(payment.amount, payment.currency):
        raise PaymentError(
            _("Il credito (%(amount)s) non è il totale dell'ordine (%(total)s).")
            % {"amount": payment.amount, "total": order.amount_due}
        )
    former = payment.order
    with order_refusals_as_payment_errors():
        order_mark_paid(order=order, paid_at=clock.now(), actor=operator)
    payment.order, payment.applied = order, True
    payment.save(update_fields=["order", "applied"])
    trail.record(former, Action.CREDIT_USED, actor=operator, order=order.number, amount=payment.amount)
    _invoice_and_tell(payment, operator)
    resolution = _("Credito usato per pagare l'ordine %(number)s.") % {"number": order.number}
    return issue_resolve(issue_id=issue.pk, operator=operator, resolution=resolution)


@transaction.atomic
def issue_resolve(*, issue_id: int, operator: Actor, resolution: str) -> PaymentIssue:
    issue = PaymentIssue.objects.select_for_update().get(pk=issue_id)
    if not issue.is_open:
        raise PaymentError(_("Questa voce è già stata risolta."))
    if not resolution.strip():
        raise PaymentError(_("Scrivi come è stato risolto, o l'ordine che il bonifico paga."))
    issue.resolved_at = clock.now()
    issue.resolved_by = actor_label(operator)
    issue.resolution = resolution.strip()
    issue.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    trail.record(issue, Action.PAYMENT_ISSUE_RESOLVED, actor=operator, resolution=issue.resolution)
    return issue


# Saved cards


@transaction.atomic
def card_save(*, customer: Customer, provider: str, card: CardDetails, actor: Actor) -> SavedCard:
    """Keeps the provider's token for automatic renewals; a new card replaces the old one."""
    Customer.objects.select_for_update().get(pk=customer.pk)  # two cards saved at once: one after the other
    previous = SavedCard.objects.filter(customer=customer).first()
    if previous:
        _forget_at_provider(previous)
        previous.delete()
    saved = SavedCard.objects.create(
        customer=customer,
        provider=provider,
        token=card.token,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
    )
    trail.record(customer, Action.CARD_SAVED, actor=actor, card=str(saved))
    return saved


@transaction.atomic
def card_remove(*, customer: Customer, actor: Actor) -> bool:
    Customer.objects.select_for_update().get(pk=customer.pk)
    saved = SavedCard.objects.filter(customer=customer).first()
    if saved is None:
        return False
    _forget_at_provider(saved)
    trail.record(customer, Action.CARD_REMOVED, actor=actor, card=str(saved))
    saved.delete()
    return True


def _forget_at_provider(saved: SavedCard) -> None:
    try:
        get_provider(saved.provider).forget_card(token=saved.token)
    except ProviderUnavailable:
        logger.warning("provider %s could not forget card %s", saved.provider, saved.pk)
