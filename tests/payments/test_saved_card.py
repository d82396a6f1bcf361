import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from orders.models import Order
from orders.services import order_place_first_purchase
from payments.models import SavedCard
from payments.providers.base import CardDetails
from payments.services import card_save
from sandbox.models import VaultCard
from subscriptions.services import service_set_auto_renew
from tests import cast

pytestmark = pytest.mark.django_db(transaction=True)  # the charge's notification arrives after commit
CARD = {"holder": "Mario Rossi", "expiry": "12/30", "cvc": "123"}
D = datetime.date


def pay_and_save_card(client, order, number="4242424242424242"):
    checkout = client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA")).url
    client.post(checkout, CARD | {"number": number, "save_card": "on"})


def vault(customer, number: str) -> SavedCard:
    VaultCard.objects.create(token=f"sbxcard_{number}", card_number=number, card_expiry="03/30")
    return card_save(
        customer=customer,
        provider="sandbox",
        card=CardDetails(token=f"sbxcard_{number}", brand="Visa", last4=number[-4:], exp_month=3, exp_year=2030),
        actor=customer.user,
    )


def test_the_customer_saves_a_card_sees_it_and_removes_it(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    pay_and_save_card(rossi_client, order)

    saved = SavedCard.objects.get(customer=rossi)
    assert (saved.provider, saved.last4, saved.exp_month, saved.exp_year) == ("sandbox", "4242", 12, 2030)
    assert saved.token.startswith("sbxcard_") and "4242424242424242" not in saved.token
    page = rossi_client.get(reverse("payments:saved_card")).content.decode()
    assert "•••• 4242" in page and "12/2030" in page

    rossi_client.post(reverse("payments:saved_card"))
    assert not SavedCard.objects.exists() and not VaultCard.objects.exists()
    assert "Nessuna carta salvata" in rossi_client.get(reverse("payments:saved_card")).content.decode()


def test_a_card_not_saved_is_not_kept(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    checkout = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA")).url
    rossi_client.post(checkout, CARD | {"number": "4242424242424242"})
    assert not SavedCard.objects.exists()


def test_another_customer_sees_only_their_own_card(client, rossi, bianchi):
    vault(rossi, "4242424242424242")
    client.force_login(bianchi.user)
    assert "Nessuna carta salvata" in client.get(reverse("payments:saved_card")).content.decode()
    client.post(reverse("payments:saved_card"))
    assert SavedCard.objects.filter(customer=rossi).exists()


def run_update_services(day: datetime.date):
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 3, 0, tzinfo=datetime.UTC)):
        call_command("update_services", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def renewing(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    return service


def test_automatic_renewal_charges_the_saved_card_once(renewing, rossi, mailoutbox):
    vault(rossi, "4242424242424242")
    run_update_services(D(2027, 2, 8))
    run_update_services(D(2027, 2, 9))

    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.status == Order.Status.ACTIVE and order.payment_method == "CARTA"
    placed = next(mail for mail in mailoutbox if mail.subject == f"Ordine {order.number} ricevuto: come pagare")
    assert "lo addebitiamo sulla carta salvata Visa •••• 4242" in placed.body
    assert order.payments.count() == 1 and order.invoices.count() == 1
    renewing.refresh_from_db()
    assert renewing.expires_on == D(2028, 3, 10)


def test_a_declined_saved_card_leaves_the_order_waiting_and_mails_the_customer(renewing, rossi, mailoutbox):
    vault(rossi, "4000000000009995")
    run_update_services(D(2027, 2, 8))

    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.is_awaiting_payment
    assert any("Pagamento non riuscito" in mail.subject and "fondi insufficienti" in mail.body for mail in mailoutbox)


def test_a_card_needing_authentication_cannot_be_charged_without_the_customer(renewing, rossi, mailoutbox):
    vault(rossi, "4000002760003184")
    run_update_services(D(2027, 2, 8))
    assert renewing.orders.get(kind=Order.Kind.RENEWAL).is_awaiting_payment
    assert any("autenticazione" in mail.body for mail in mailoutbox)


def test_without_a_saved_card_the_renewal_order_waits_to_be_paid(renewing, mailoutbox):
    run_update_services(D(2027, 2, 8))
    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.is_awaiting_payment
    (placed,) = [mail for mail in mailoutbox if order.number in mail.subject]
    assert placed.subject == f"Ordine {order.number} ricevuto: come pagare"
    assert "carta salvata" not in placed.body


def test_a_charge_whose_task_was_lost_is_asked_again_the_next_day_and_made_once(renewing, rossi, monkeypatch):
    from types import SimpleNamespace

    from payments import tasks

    vault(rossi, "4242424242424242")
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "charge_saved_card", SimpleNamespace(enqueue=lambda *args: None))  # the worker stopped
        run_update_services(D(2027, 2, 8))
    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.is_awaiting_payment

    run_update_services(D(2027, 2, 9))
    run_update_services(D(2027, 2, 10))
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE and order.payments.count() == 1


def test_a_declined_renewal_is_not_charged_again_every_day(renewing, rossi):
    vault(rossi, "4000000000000002")
    run_update_services(D(2027, 2, 8))
    run_update_services(D(2027, 2, 9))
    from sandbox.models import Checkout

    assert Checkout.objects.filter(order_number__startswith="2027").count() == 1


def test_the_customer_pays_a_waiting_order_with_the_saved_card(rossi_client, rossi, plan, today):
    vault(rossi, "4242424242424242")
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    url = reverse("payments:pay", args=[order.number])
    assert "Carta salvata Visa •••• 4242" in rossi_client.get(url).content.decode()

    form = cast.pay_form("CARTA_SALVATA")
    response = rossi_client.post(url, form)
    assert response.url == reverse("payments:result", args=[order.number])
    rossi_client.post(url, form)  # a double submit charges once
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE and order.payments.count() == 1
    assert "Pagamento ricevuto" in rossi_client.get(response.url).content.decode()


def test_a_declined_saved_card_shows_why_on_the_result_page(rossi_client, rossi, plan, today):
    vault(rossi, "4000000000000002")
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA_SALVATA"))

    page = rossi_client.get(response.url).content.decode()
    assert "Pagamento non riuscito" in page and "carta rifiutata" in page
    assert "data-reload-after" not in page
    order.refresh_from_db()
    assert order.is_awaiting_payment and "carta rifiutata" in order.status_detail


def test_without_a_saved_card_the_choice_is_not_offered_nor_accepted(rossi_client, rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    url = reverse("payments:pay", args=[order.number])
    assert "CARTA_SALVATA" not in rossi_client.get(url).content.decode()
    response = rossi_client.post(url, cast.pay_form("CARTA_SALVATA"))
    assert "Scegli un metodo di pagamento" in response.content.decode()
