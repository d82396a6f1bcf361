"""The sandbox gateway: a hosted payment page served by the app, with test cards like a big
gateway's test mode. It knows orders only by the number Conserva gave it, and tells Conserva
the outcome through a signed notification posted to Conserva's webhook URL (outbox.py),
never through the browser. Nothing here touches real money.
"""

import datetime
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from lib import clock
from sandbox.models import Checkout, Notification, VaultCard
from sandbox.tasks import deliver_notification

CHECKOUT_LIFETIME = datetime.timedelta(minutes=30)
CARD_FIELDS = ["card_number", "card_expiry", "save_card"]
Status = Checkout.Status


@dataclass(frozen=True)
class TestCard:
    number: str
    succeeds: bool
    outcome: str
    needs_authentication: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]


TEST_CARDS = [
    TestCard("4242424242424242", True, _("pagamento riuscito")),
    TestCard("4000002760003184", True, _("chiede l'autenticazione 3-D Secure, poi riesce"), needs_authentication=True),
    TestCard("4000000000000002", False, _("carta rifiutata")),
    TestCard("4000000000009995", False, _("fondi insufficienti")),
]
CARD_OUTCOMES = {card.number: card for card in TEST_CARDS}


def checkout_start(
    *,
    order_number: str,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    return_url: str = "",
    cancel_url: str = "",
) -> Checkout:
    """The checkout for this key: a form submitted twice gets the same one. The merchant says where
    the customer goes back to after the card (`return_url`) or without paying (`cancel_url`)."""
    try:
        with transaction.atomic():
            return Checkout.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={
                    "order_number": order_number,
                    "amount": amount,
                    "currency": currency,
                    "return_url": return_url,
                    "cancel_url": cancel_url,
                    "expires_at": clock.now() + CHECKOUT_LIFETIME,
                },
            )[0]
    except IntegrityError:
        return Checkout.objects.get(idempotency_key=idempotency_key)


def checkout_is_open(checkout: Checkout) -> bool:
    return checkout.status in (Status.OPEN, Status.REQUIRES_ACTION) and checkout.expires_at > clock.now()


def _lock(token: str) -> Checkout:
    return Checkout.objects.select_for_update().get(token=token)


@transaction.atomic
def checkout_pay(*, token: str, card_number: str, save_card: bool, expiry: str = "12/30") -> str:
    """Charges a test card; returns what went wrong, or "" when the charge succeeded or now waits
    for the card holder's authentication (the checkout's status says which).

    A declined card leaves the checkout open for another card, as a gateway's page does.
    """
    checkout = _lock(token)
    if checkout.status != Status.OPEN or not checkout_is_open(checkout):
        return str(_("Questa sessione di pagamento è chiusa o scaduta."))
    card = CARD_OUTCOMES.get(card_number)
    if card is None:
        return str(_("Carta non accettata in sandbox: usa una delle carte di prova."))
    checkout.card_number, checkout.card_expiry, checkout.save_card = card.number, expiry, save_card
    if card.needs_authentication:
        checkout.status = Status.REQUIRES_ACTION
        checkout.save(update_fields=["status", *CARD_FIELDS])
        return ""
    return _settle(checkout, card)


@transaction.atomic
def checkout_authenticate(*, token: str, approved: bool) -> str:
    """The second step (3-D Secure): the card holder approves or refuses on their bank's page."""
    checkout = _lock(token)
    if checkout.status != Status.REQUIRES_ACTION or not checkout_is_open(checkout):
        return str(_("Questa sessione di pagamento è chiusa o scaduta."))
    if not approved:
        checkout.status = Status.OPEN
        checkout.save(update_fields=["status"])
        return _decline(checkout, str(_("autenticazione non riuscita")))
    return _settle(checkout, CARD_OUTCOMES[checkout.card_number])


@transaction.atomic
def charge_off_session(*, order_number: str, amount: Decimal, currency: str, token: str, idempotency_key: str) -> None:
    """A charge without the customer (automatic renewal). The same key charges once."""
    checkout = checkout_start(
        order_number=order_number, amount=amount, currency=currency, idempotency_key=idempotency_key
    )
    checkout = _lock(checkout.token)
    if checkout.status != Status.OPEN:
        return
    vaulted = VaultCard.objects.filter(token=token).first()
    card = CARD_OUTCOMES.get(vaulted.card_number) if vaulted else None
    if card is None:
        _fail(checkout, str(_("carta salvata non più valida")))
    elif card.needs_authentication:
        _fail(checkout, str(_("la banca chiede l'autenticazione del titolare: paga dall'Area Clienti")))
    elif not card.succeeds:
        _fail(checkout, str(card.outcome))
    else:
        _settle(checkout, card)


@transaction.atomic
def checkout_cancel(idempotency_key: str) -> None:
    """The merchant closes a checkout it no longer wants paid; one being paid finishes first."""
    checkout = Checkout.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
    if checkout and checkout.status in (Status.OPEN, Status.REQUIRES_ACTION):
        checkout.status = Status.CANCELED
        checkout.save(update_fields=["status"])


def vault_forget(token: str) -> None:
    VaultCard.objects.filter(token=token).delete()


def _settle(checkout: Checkout, card: TestCard) -> str:
    if not card.succeeds:
        return _decline(checkout, str(card.outcome))
    checkout.status = Status.SUCCEEDED
    checkout.save(update_fields=["status", *CARD_FIELDS])
    data = _charge_data(checkout)
    if checkout.save_card:
        vaulted = VaultCard.objects.create(
            token="sbxcard_" + secrets.token_urlsafe(18), card_number=card.number, card_expiry=checkout.card_expiry
        )
        month, year = checkout.card_expiry.split("/")
        data["card"] = {
            "token": vaulted.token,
            "brand": "Visa",
            "last4": card.last4,
            "exp_month": int(month),
            "exp_year": 2000 + int(year),
        }
    _notify("payment.succeeded", data)
    return ""


def _decline(checkout: Checkout, reason: str) -> str:
    checkout.save(update_fields=CARD_FIELDS)
    _notify("payment.failed", _charge_data(checkout) | {"failure_message": reason})
    return str(_("Pagamento non riuscito: %(outcome)s. Nessun addebito effettuato.") % {"outcome": reason})


def _fail(checkout: Checkout, reason: str) -> None:
    checkout.status = Status.FAILED
    checkout.failure_message = reason[:200]
    checkout.save(update_fields=["status", "failure_message"])
    _notify("payment.failed", _charge_data(checkout) | {"failure_message": reason})


def _charge_data(checkout: Checkout) -> dict:
    return {
        "id": f"sbx_{checkout.token}",
        "amount": str(checkout.amount),
        "currency": checkout.currency,
        "metadata": {"order_number": checkout.order_number},
    }


def _notify(event_type: str, data: dict) -> None:
    """Puts the notification in the outbox with the charge, and sends it once both are committed."""
    event_id = "evt_" + secrets.token_urlsafe(18)
    body = json.dumps({"id": event_id, "type": event_type, "data": data})
    notification = Notification.objects.create(event_id=event_id, body=body)
    transaction.on_commit(lambda: deliver_notification.enqueue(notification.pk))
