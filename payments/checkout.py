"""Starting a payment: at most one charge in flight for an order.

A new payment of an order closes, at its provider, the checkout still open for it (a second tab,
the customer changing method); a charge of the saved card still waiting for its outcome is not
made again; and an order that stops waiting (paid, cancelled) has every checkout closed, so a page
left open cannot charge it any more.
"""

import datetime
import logging
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import revisions
from audit.actors import DAILY_RUN, Actor
from lib import clock
from orders.models import Order
from orders.selectors import order_by_number
from orders.services import order_start_payment
from payments.errors import PaymentError, order_refusals_as_payment_errors
from payments.models import PaymentAttempt, SavedCard
from payments.providers import get_provider
from payments.providers.base import ProviderUnavailable
from payments.providers.transfer import CODE as TRANSFER

logger = logging.getLogger(__name__)
# A saved card's charge whose outcome has not arrived by then no longer holds the order back.
IN_FLIGHT = datetime.timedelta(minutes=30)


@transaction.atomic
def payment_start(
    *, order: Order, provider_code: str, idempotency_key: str, actor: Actor, saved_card: SavedCard | None = None
) -> str:
    """Starts paying with the provider, or charges the saved card; returns where the customer goes
    next. The order's row is locked throughout, so Pay forms submitted at once start one charge:
    the same form submitted twice gets the same answer, another form the charge in flight."""
    order_by_number(str(order.number), lock=True)
    attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
    if attempt:
        if attempt.order_id != order.pk:
            raise PaymentError(_("Questo modulo di pagamento è già stato usato per un altro ordine."))
        return attempt.redirect_url
    if in_flight := saved_card_charge_in_flight(order):
        return in_flight.redirect_url
    provider_code = saved_card.provider if saved_card else provider_code
    with order_refusals_as_payment_errors():
        # The transfer provider records its own choice (orders.services.order_choose_transfer).
        method = "" if provider_code == TRANSFER else Order.PaymentMethod.CARD
        order_start_payment(order_id=order.pk, provider=provider_code, actor=actor, method=method)
    attempts_close(order)
    if saved_card:
        url = _charge_saved_card(order, saved_card, idempotency_key)
    else:
        url = get_provider(provider_code).start_payment(order=order, idempotency_key=idempotency_key)
    PaymentAttempt.objects.create(
        idempotency_key=idempotency_key,
        order=order,
        provider=provider_code,
        redirect_url=url,
        saved_card=saved_card is not None,
    )
    return url


def saved_card_charge_in_flight(order: Order) -> PaymentAttempt | None:
    return PaymentAttempt.objects.filter(
        order=order, saved_card=True, closed_at=None, created_at__gt=clock.now() - IN_FLIGHT
    ).first()


def attempts_close(order: Order, *, saved_card_only: bool = False) -> None:
    """Closes the order's open attempts: their checkouts, once this transaction commits, at their
    provider, so that none can charge the order any more. A declined card leaves the provider's
    page open for another card: then only the saved card's charge, whose outcome this was, closes."""
    attempts = PaymentAttempt.objects.filter(order=order, closed_at=None)
    open_attempts = list(attempts.filter(saved_card=True) if saved_card_only else attempts)
    if not open_attempts:
        return
    PaymentAttempt.objects.filter(pk__in=[attempt.pk for attempt in open_attempts]).update(closed_at=clock.now())
    revisions.touch([order.customer_id])
    for attempt in open_attempts:
        if not attempt.saved_card:
            transaction.on_commit(partial(_cancel_at_provider, attempt))


def _cancel_at_provider(attempt: PaymentAttempt) -> None:
    try:
        get_provider(attempt.provider).cancel_payment(idempotency_key=attempt.idempotency_key)
    except (LookupError, ProviderUnavailable) as error:
        logger.warning("checkout %s of order %s left open: %s", attempt.idempotency_key, attempt.order_id, error)


def _charge_saved_card(order: Order, saved_card: SavedCard, idempotency_key: str) -> str:
    try:
        get_provider(saved_card.provider).charge_saved_card(
            order=order, token=saved_card.token, idempotency_key=idempotency_key
        )
    except ProviderUnavailable as error:
        logger.warning("saved card %s could not be charged: %s", saved_card.pk, error)
        raise PaymentError(_("Il gestore dei pagamenti non risponde: riprova tra poco.")) from None
    # The outcome arrives as the provider's notification: the result page waits for it.
    return reverse("payments:result", args=[order.number])


def renewal_charge(*, order_id: int) -> None:
    """Charges the saved card for an automatic renewal order still waiting. The charge is keyed on
    the order, so asking again (the next day's run) never charges twice."""
    order = Order.objects.select_related("customer").get(pk=order_id)
    saved = SavedCard.objects.filter(customer_id=order.customer_id).first()
    if saved is None or not order.is_awaiting_payment:
        return
    if order.payment_method != Order.PaymentMethod.CARD:  # the first time: a refusal given since stays
        with order_refusals_as_payment_errors():
            order_start_payment(
                order_id=order.pk, provider=saved.provider, actor=DAILY_RUN, method=Order.PaymentMethod.CARD
            )
    _charge_saved_card(order, saved, f"rinnovo-automatico-{order.number}")
