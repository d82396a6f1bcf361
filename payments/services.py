"""Money in: payments confirmed by a provider or an operator, credits, saved cards."""

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Customer
from audit import trail
from billing.services import invoice_issue
from lib import clock
from notifications import mails
from orders.models import Order
from orders.services import OrderError, order_mark_paid
from payments.models import Payment, PaymentAttempt, PaymentIssue, SavedCard
from payments.providers import get_provider
from payments.providers.base import CardDetails, ProviderUnavailable
from payments.providers.transfer import CODE as TRANSFER

logger = logging.getLogger(__name__)


class UnknownOrder(OrderError):
    pass


class PaymentMismatch(OrderError):
    pass


@transaction.atomic
def payment_confirm(
    *, order_number: str, provider: str, provider_payment_id: str, amount: Decimal, currency: str, actor
) -> Payment:
    """Records a payment the provider confirmed and applies it to the order, exactly once.

    The order row is locked first, so a second confirmation of the same payment (a retried
    notification, an operator's double click) waits and then finds the payment already there.
    Money for an order that cannot take it any more becomes the customer's credit.
    """
    order = Order.objects.select_for_update().filter(number=order_number).first()
    if order is None:
        raise UnknownOrder(_("Nessun ordine %(number)s.") % {"number": order_number})
    existing = Payment.objects.filter(provider=provider, provider_payment_id=provider_payment_id).first()
    if existing:
        return existing
    if Decimal(amount) != order.total or currency != order.currency:
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
        confirmed_by=str(actor) if actor else trail.SYSTEM,
    )
    try:
        with transaction.atomic():
            order_mark_paid(order=order, paid_at=payment.confirmed_at, actor=actor)
    except OrderError as refusal:
        order.refresh_from_db()  # the savepoint undid what order_mark_paid began
        payment.applied = False
        payment.save()
        _credit(payment, str(refusal))
        return payment
    payment.save()
    _invoice_and_tell(payment)
    return payment


def _invoice_and_tell(payment: Payment) -> None:
    """A payment has just paid its order: the invoice, and the customer's mail with it attached."""
    invoice = invoice_issue(payment=payment)
    if payment.provider == TRANSFER:
        mails.transfer_registered(order=payment.order, invoice=invoice)
    else:
        mails.payment_received(order=payment.order, invoice=invoice)


def _credit(payment: Payment, why: str) -> PaymentIssue:
    order = payment.order
    trail.record(order, "pagamento a credito", actor=payment.confirmed_by, amount=payment.amount, reason=why)
    logger.warning("payment %s for order %s kept as credit: %s", payment.provider_payment_id, order.number, why)
    mails.payment_credited(order=order, reason=why)
    return PaymentIssue.objects.create(
        kind=PaymentIssue.Kind.CREDIT,
        customer=order.customer,
        order=order,
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        detail=why[:500],
    )


def payment_failed(*, order_number: str, reason: str) -> str:
    """A provider says a charge failed: the customer hears of it, if the order still waits."""
    order = Order.objects.filter(number=order_number).select_related("customer__user").first()
    if order is None:
        raise UnknownOrder(_("Nessun ordine %(number)s.") % {"number": order_number})
    if not order.is_awaiting_payment:
        return "failure ignored: order no longer waiting"
    trail.record(order, "pagamento non riuscito", actor=trail.SYSTEM, reason=reason)
    Order.objects.filter(pk=order.pk).update(last_payment_error=reason[:200])
    mails.payment_failed(order=order, reason=reason)
    return "failure noted"


def payment_start(
    *, order: Order, provider_code: str, idempotency_key: str, saved_card: SavedCard | None = None
) -> str:
    """Starts paying with the provider, or charges the saved card; returns where the customer goes
    next. The same Pay form submitted twice gets the same answer and charges once."""
    attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
    if attempt:
        if attempt.order_id != order.pk:
            raise OrderError(_("Questo modulo di pagamento è già stato usato per un altro ordine."))
        return attempt.redirect_url
    if not order.is_awaiting_payment:
        raise OrderError(_("Questo ordine non è in attesa di pagamento."))
    Order.objects.filter(pk=order.pk).update(last_payment_error="")
    if saved_card:
        provider_code = saved_card.provider
        url = _charge_saved_card(order, saved_card, idempotency_key)
    else:
        url = get_provider(provider_code).start_payment(order=order, idempotency_key=idempotency_key)
    try:
        with transaction.atomic():
            PaymentAttempt.objects.create(
                idempotency_key=idempotency_key, order=order, provider=provider_code, redirect_url=url
            )
    except IntegrityError:
        return PaymentAttempt.objects.get(idempotency_key=idempotency_key).redirect_url
    return url


def _charge_saved_card(order: Order, saved_card: SavedCard, idempotency_key: str) -> str:
    Order.objects.filter(pk=order.pk).update(payment_method=Order.PaymentMethod.CARD)
    try:
        get_provider(saved_card.provider).charge_saved_card(
            order=order, token=saved_card.token, idempotency_key=idempotency_key
        )
    except ProviderUnavailable as error:
        logger.warning("saved card %s could not be charged: %s", saved_card.pk, error)
        raise OrderError(_("Il gestore dei pagamenti non risponde: riprova tra poco.")) from None
    # The outcome arrives as the provider's notification: the result page waits for it.
    return reverse("orders:result", args=[order.number])


def transfer_register(*, order: Order, operator) -> Payment:
    """An operator saw the bank transfer credited: the same effect as a card payment."""
    return payment_confirm(
        order_number=order.number,
        provider=TRANSFER,
        provider_payment_id=f"bonifico-{order.number}",
        amount=order.total,
        currency=order.currency,
        actor=operator,
    )


def open_credit(customer) -> Decimal:
    issues = PaymentIssue.objects.filter(customer=customer, kind=PaymentIssue.Kind.CREDIT, resolved_at=None)
    return sum((issue.amount for issue in issues), Decimal("0.00"))


@transaction.atomic
def credit_apply(*, issue_id: int, order_number: str, operator) -> PaymentIssue:
    """An operator uses a customer's credit to pay another of the customer's waiting orders of the
    same total: the payment moves to that order, which is paid and invoiced."""
    issue = PaymentIssue.objects.select_for_update(of=("self",)).select_related("payment").get(pk=issue_id)
    payment = issue.payment
    if not issue.is_open or issue.kind != PaymentIssue.Kind.CREDIT or payment is None or payment.applied:
        raise OrderError(_("Solo un credito ancora aperto può pagare un ordine."))
    order = Order.objects.select_for_update().filter(number=order_number.strip(), customer_id=issue.customer_id).first()
    if order is None:
        raise OrderError(_("Il cliente non ha un ordine %(number)s.") % {"number": order_number})
    if payment.amount != order.total or payment.currency != order.currency:
        raise OrderError(
            _("Il credito (%(amount)s) non è il totale dell'ordine (%(total)s).")
            % {"amount": payment.amount, "total": order.total}
        )
    former = payment.order
    order_mark_paid(order=order, paid_at=clock.now(), actor=operator)
    payment.order, payment.applied = order, True
    payment.save(update_fields=["order", "applied"])
    trail.record(former, "credito usato per un altro ordine", actor=operator, order=order.number, amount=payment.amount)
    _invoice_and_tell(payment)
    resolution = _("Credito usato per pagare l'ordine %(number)s.") % {"number": order.number}
    return issue_resolve(issue_id=issue.pk, operator=operator, resolution=resolution)


@transaction.atomic
def issue_resolve(*, issue_id: int, operator, resolution: str) -> PaymentIssue:
    issue = PaymentIssue.objects.select_for_update().get(pk=issue_id)
    if not issue.is_open:
        raise OrderError(_("Questa voce è già stata risolta."))
    issue.resolved_at = clock.now()
    issue.resolved_by = str(operator)
    issue.resolution = resolution
    issue.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return issue


# Saved cards


@transaction.atomic
def card_save(*, customer, provider: str, card: CardDetails) -> SavedCard:
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
    trail.record(customer, "carta salvata", actor=customer.user, card=str(saved))
    return saved


@transaction.atomic
def card_remove(*, customer, actor) -> bool:
    Customer.objects.select_for_update().get(pk=customer.pk)
    saved = SavedCard.objects.filter(customer=customer).first()
    if saved is None:
        return False
    _forget_at_provider(saved)
    trail.record(customer, "carta rimossa", actor=actor, card=str(saved))
    saved.delete()
    return True


def _forget_at_provider(saved: SavedCard) -> None:
    try:
        get_provider(saved.provider).forget_card(token=saved.token)
    except ProviderUnavailable:
        logger.warning("provider %s could not forget card %s", saved.provider, saved.pk)


def renewal_charge_later(order: Order) -> None:
    """After the automatic renewal order commits, charge the saved card, if there is one."""
    if SavedCard.objects.filter(customer_id=order.customer_id).exists():
        from payments.tasks import charge_saved_card

        transaction.on_commit(lambda: charge_saved_card.enqueue(order.pk))


def renewal_charge(*, order_id: int) -> None:
    order = Order.objects.select_related("customer").get(pk=order_id)
    saved = SavedCard.objects.filter(customer_id=order.customer_id).first()
    if saved is None or not order.is_awaiting_payment:
        return
    _charge_saved_card(order, saved, f"rinnovo-automatico-{order.number}")
