"""The built-in sandbox payment provider: a hosted payment page served by the app, with
test cards like a big gateway's test mode. Nothing here touches real money."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lib import clock
from orders.models import Order
from orders.services import OrderError
from payments.models import Payment, SandboxCheckout
from payments.services import payment_confirm

CHECKOUT_LIFETIME = datetime.timedelta(minutes=30)
SANDBOX_ACTOR = "sandbox: pagamento con carta"


@dataclass(frozen=True)
class TestCard:
    number: str
    succeeds: bool
    outcome: str


TEST_CARDS = [
    TestCard("4242424242424242", True, _("pagamento riuscito")),
    TestCard("4000000000000002", False, _("carta rifiutata")),
    TestCard("4000000000009995", False, _("fondi insufficienti")),
]
CARD_OUTCOMES = {card.number: card for card in TEST_CARDS}


def checkout_start(*, order: Order) -> SandboxCheckout:
    if not order.is_awaiting_payment:
        raise OrderError(_("Questo ordine non è in attesa di pagamento."))
    return SandboxCheckout.objects.create(
        order=order, amount=order.total, currency=order.currency, expires_at=clock.now() + CHECKOUT_LIFETIME
    )


def checkout_is_open(checkout: SandboxCheckout) -> bool:
    return checkout.status == SandboxCheckout.Status.OPEN and checkout.expires_at > clock.now()


@transaction.atomic
def checkout_pay(*, token: str, card_number: str) -> str:
    """Charges a test card; returns what went wrong, or "" when the order is paid.

    A declined card leaves the checkout open for another card, as a gateway's page does;
    an order that can no longer be paid closes it. Neither charges anything.
    """
    checkout = SandboxCheckout.objects.select_for_update().select_related("order").get(token=token)
    if not checkout_is_open(checkout):
        return checkout.failure_message
    card = CARD_OUTCOMES.get(card_number)
    if card is None:
        return str(_("Carta non accettata in sandbox: usa una delle carte di prova."))
    if not card.succeeds:
        return str(_("Pagamento non riuscito: %(outcome)s. Nessun addebito effettuato.") % {"outcome": card.outcome})
    try:
        payment_confirm(
            order_number=checkout.order.number,
            provider=Payment.Provider.SANDBOX,
            provider_payment_id=f"sbx_{checkout.token}",
            amount=checkout.amount,
            currency=checkout.currency,
            actor=SANDBOX_ACTOR,
        )
    except OrderError as error:
        checkout.status = SandboxCheckout.Status.FAILED
        checkout.failure_message = (str(error) + " " + str(_("Nessun addebito effettuato.")))[:200]
        checkout.save(update_fields=["status", "failure_message"])
        return checkout.failure_message
    checkout.status = SandboxCheckout.Status.SUCCEEDED
    checkout.save(update_fields=["status"])
    return ""
