"""S4, switched by the customer: who, when and from where on the trail; the confirmation names the
next charge's day, amount and card; off cancels the automatic renewal order still waiting, never a
paid one nor one the customer placed; on with 10 days left places the order at the next run."""

import datetime

import pytest
from django.urls import reverse

from audit.actors import DAILY_RUN
from audit.models import AuditEntry
from orders.models import Order
from orders.services import order_place_renewal
from payments.models import PaymentAttempt
from tests import cast
from tests.clock import at
from tests.html import element

pytestmark = pytest.mark.django_db
D = datetime.date
EXPIRES_ON = D(2027, 3, 10)  # the term begun on 10/03/2026


@pytest.fixture(autouse=True)
def _days(settings):
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.LIFECYCLE_REMINDER_DAYS = ()


@pytest.fixture
def service(rossi, plan):
    return cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))


def switch(client, service, enabled: bool, **headers):
    url = reverse("payments:auto_renew", args=[service.public_id])
    return client.post(url, {"enabled": "1" if enabled else "0"}, follow=not headers, **headers)


def confirmation(response) -> str:
    return " ".join(message.message for message in response.context["messages"])


def test_switching_records_who_when_and_from_which_address(rossi_client, rossi, service):
    with at(D(2026, 6, 1)):
        switch(rossi_client, service, True, REMOTE_ADDR="203.0.113.7", HTTP_HX_REQUEST="true")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SERVICE_AUTO_RENEW_ON)
    assert entry.actor_id == rossi.user.pk
    assert entry.values()["address"] == "203.0.113.7"
    assert entry.created_at.date() == D(2026, 6, 1)


def test_switching_on_says_the_day_the_amount_and_the_card(rossi_client, rossi, service):
    cast.save_card(rossi)
    with at(D(2026, 6, 1)):
        response = switch(rossi_client, service, True)
    text = confirmation(response)
    assert "Rinnovo automatico attivato." in text
    # 30 days before the expiry, the plan's 290.00 net with VAT at 22%, on the saved card
    assert "Il 8 Febbraio 2027 addebiteremo €\u00a0353,80 sulla carta •••• 4242." in text


def test_switching_on_without_a_card_says_the_order_will_wait_for_a_payment(rossi_client, service):
    with at(D(2026, 6, 1)):
        response = switch(rossi_client, service, True)
    text = confirmation(response)
    assert "Non hai una carta salvata: il 8 Febbraio 2027 creeremo l'ordine di rinnovo di €\u00a0353,80" in text


def test_switching_on_with_ten_days_left_places_the_order_at_the_next_run(client, rossi, service, run_on):
    cast.save_card(rossi)
    ten_days_before = EXPIRES_ON - datetime.timedelta(days=10)
    with at(ten_days_before):
        client.force_login(rossi.user)
        response = switch(client, service, True)
    text = confirmation(response)
    assert "Alla prossima esecuzione giornaliera, entro domani, addebiteremo €\u00a0353,80" in text
    assert not service.orders.filter(kind=Order.Kind.RENEWAL).exists()

    run = run_on(ten_days_before + datetime.timedelta(days=1))
    assert run.renewal_orders_placed == 1
    service.refresh_from_db()
    assert service.expires_on == D(2028, 3, 10)  # the sandbox's card paid it: renewed by itself


def test_switching_off_cancels_the_automatic_renewal_order_still_waiting(rossi_client, rossi, service):
    switch(rossi_client, service, True, HTTP_HX_REQUEST="true")
    automatic, _created = order_place_renewal(service_id=service.pk, actor=DAILY_RUN, automatic=True)  # no card
    assert automatic.placed_automatically

    response = switch(rossi_client, service, False)

    automatic.refresh_from_db()
    assert automatic.status == Order.Status.CANCELLED
    text = confirmation(response)
    assert f"L'ordine di rinnovo automatico {automatic.number}, in attesa di pagamento, è stato annullato." in text
    assert "Il servizio scade il 10 Marzo 2027: puoi rinnovarlo con «Rinnova»." in text


def test_switching_off_keeps_a_renewal_the_customer_placed(rossi_client, rossi, service):
    by_hand, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    switch(rossi_client, service, True, HTTP_HX_REQUEST="true")
    switch(rossi_client, service, False)
    by_hand.refresh_from_db()
    assert by_hand.status == Order.Status.AWAITING_PAYMENT


def test_switching_off_never_touches_a_paid_automatic_renewal(rossi_client, rossi, service, run_on):
    cast.save_card(rossi)
    switch(rossi_client, service, True, HTTP_HX_REQUEST="true")
    run_on(EXPIRES_ON - datetime.timedelta(days=30))  # placed and paid with the saved card at once
    paid = service.orders.get(kind=Order.Kind.RENEWAL)
    assert paid.status == Order.Status.ACTIVE

    switch(rossi_client, service, False)
    paid.refresh_from_db()
    service.refresh_from_db()
    assert paid.status == Order.Status.ACTIVE and service.expires_on == D(2028, 3, 10)


def test_switching_off_keeps_an_order_whose_card_charge_is_in_flight(rossi_client, rossi, service):
    switch(rossi_client, service, True, HTTP_HX_REQUEST="true")
    automatic, _created = order_place_renewal(service_id=service.pk, actor=DAILY_RUN, automatic=True)
    PaymentAttempt.objects.create(order=automatic, provider="sandbox", redirect_url="/", saved_card=True)

    response = switch(rossi_client, service, False)

    automatic.refresh_from_db()
    assert automatic.status == Order.Status.AWAITING_PAYMENT
    assert "resta in attesa perché il suo pagamento è già in corso" in confirmation(response)


def test_the_htmx_answer_updates_the_controls_and_the_words_of_the_state(rossi_client, service):
    with at(D(2026, 6, 1)):
        response = switch(rossi_client, service, True, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="renewal-controls"')
    assert "Rinnovo automatico attivato." in element(page, "auto-renew-confirmation")[1]
    assert "Si rinnova da solo" in element(page, "service-status-what-now")[1]
    assert 'hx-swap-oob="true"' in page


def test_another_customer_cannot_switch_it(bianchi_client, service):
    assert switch(bianchi_client, service, True, HTTP_HX_REQUEST="true").status_code == 404
    service.refresh_from_db()
    assert not service.auto_renew
