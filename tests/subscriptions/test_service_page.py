"""S1–S10 on the service page, at their boundaries."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.actors import SYSTEM
from orders.services import order_place_renewal
from subscriptions.services import service_set_auto_renew
from tests import cast
from tests.html import element

pytestmark = pytest.mark.django_db


def page_of(client, service):
    response = client.get(reverse("subscriptions:detail", args=[service.public_id]))
    assert response.status_code == 200
    return response.content


def test_it_shows_the_panel_username_status_and_expiry(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    page = page_of(rossi_client, service)

    assert service.panel_username.startswith("cs-")
    assert service.panel_username in element(page, "panel-username")[1]  # S1
    assert "ATTIVO" in element(page, "service-status")[1]  # S8
    assert "10 Marzo 2027" in element(page, "expiry")[1]  # S2: one year from activation


@pytest.mark.parametrize(("days_left", "red"), [(91, False), (90, True), (89, True), (0, True), (-5, True)])
def test_it_shows_the_expiry_in_red_from_90_days_before(rossi_client, rossi, plan, today, days_left, red):
    service = cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=days_left))
    classes, text = element(page_of(rossi_client, service), "expiry")

    assert ("is-alert" in classes) is red
    # Not by colour alone: the words say it too.
    assert ("⚠" in text) is red


@pytest.mark.parametrize(
    ("used_bytes", "red"),
    [
        (14_000_000_000, False),  # exactly 70% of 20 GB
        (14_000_000_001, True),  # one byte above: 70.0000001%, shown rounded as 70,0%
        (13_999_999_999, False),
        (20_000_000_000, True),
    ],
)
def test_it_shows_the_space_used_in_red_above_70_percent(rossi_client, rossi, plan, today, used_bytes, red):
    service = cast.active_service(rossi, plan, activated_on=today)
    service.used_bytes = used_bytes
    service.save()
    classes, text = element(page_of(rossi_client, service), "space")

    assert ("is-alert" in classes) is red
    assert ("Spazio quasi esaurito" in text) is red


def test_it_shows_the_percentage_of_the_quota(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today, used_share="0.755")
    _classes, text = element(page_of(rossi_client, service), "space")
    assert "75,5%" in text
    assert "15,10 GB di 20 GB" in text


def test_renew_shows_only_while_automatic_renewal_is_off(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    _classes, controls = element(page_of(rossi_client, service), "renewal-controls")
    assert "Rinnova" in controls.replace("Rinnovo automatico NON ATTIVO", "")
    assert "Rinnovo automatico NON ATTIVO" in controls

    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    _classes, controls = element(page_of(rossi_client, service), "renewal-controls")
    assert "Rinnovo automatico ATTIVO" in controls
    assert "Rinnova" not in controls.replace("Rinnovo automatico ATTIVO", "")


def test_it_links_the_panel_space_increase_and_help(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    page = page_of(rossi_client, service).decode()

    assert reverse("panel:entry", args=[service.public_id]) in page  # S5
    assert reverse("orders:increase_space", args=[service.public_id]) in page  # S7
    _classes, help_menu = element(page, "help")  # S10
    assert "Ti serve AIUTO per questo servizio?" in help_menu
    assert "+39 0575 0504" in help_menu
    assert "Lun–Ven 08:30–18:00" in help_menu
    assert "Richiedi assistenza" in help_menu


def test_contacts_come_from_the_configuration(rossi_client, rossi, plan, today, settings):
    settings.CONTACTS = [("Clienti", "+39 011 1234567")]
    service = cast.active_service(rossi, plan, activated_on=today)
    _classes, help_menu = element(page_of(rossi_client, service), "help")
    assert "+39 011 1234567" in help_menu
    assert "+39 0575 0504" not in help_menu


def test_it_lists_the_orders_with_pay_and_cancel_only_while_awaiting_payment(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    renewal, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    first_purchase = service.orders.get(kind="PRIMO_ACQUISTO")
    page = page_of(rossi_client, service)

    _classes, waiting = element(page, f"order-{renewal.number}")
    assert renewal.number in waiting and "Rinnovo" in waiting and "10/03/2026" in waiting  # O1 O2 O3
    assert "€ 353,80" in waiting and "ATTESA PAGAMENTO" in waiting  # O4 O5
    assert "Paga" in waiting and "Annulla" in waiting  # P1 P2
    _classes, paid = element(page, f"order-{first_purchase.number}")
    assert "Primo Acquisto" in paid and "ATTIVO" in paid
    assert "Paga" not in paid and "Annulla" not in paid


def test_a_pending_service_waits_for_its_first_payment(rossi_client, rossi, plan, today):
    from orders.services import order_place_first_purchase

    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    page = page_of(rossi_client, order.service)
    assert "IN ATTIVAZIONE" in element(page, "service-status")[1]
    assert "assegnato all'attivazione" in element(page, "panel-username")[1]


def test_another_customer_gets_a_404(bianchi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    for name in ["subscriptions:detail", "orders:renew", "orders:increase_space"]:
        assert bianchi_client.get(reverse(name, args=[service.public_id])).status_code == 404
    url = reverse("payments:auto_renew", args=[service.public_id])
    assert bianchi_client.post(url, {"enabled": "1"}).status_code == 404
    assert bianchi_client.post(reverse("panel:entry", args=[service.public_id])).status_code == 404


def test_the_page_runs_the_same_number_of_queries_whatever_the_orders(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)

    def queries():
        caches["pages"].clear()  # the page rendered, not served again (lib.page_cache)
        with CaptureQueriesContext(connection) as captured:
            page_of(rossi_client, service)
        return len(captured)

    page_of(rossi_client, service)  # the first request of a session also writes the session
    few = queries()
    for _ in range(25):
        renewal, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
        renewal.status = "ANNULLATO"
        renewal.save()
    assert queries() == few


def test_the_switch_answers_htmx_with_the_controls_alone(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    url = reverse("payments:auto_renew", args=[service.public_id])
    response = rossi_client.post(url, {"enabled": "1"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="renewal-controls"')
    assert "Rinnovo automatico ATTIVO" in page and 'id="renew-button"' not in page
    service.refresh_from_db()
    assert service.auto_renew


def test_an_expired_service_says_what_it_means(rossi_client, rossi, plan, today):
    from subscriptions.services import service_expire

    service = cast.service_expiring(rossi, plan, on=today - datetime.timedelta(days=3))
    service_expire(service_id=service.pk, today=today, actor=SYSTEM)
    page = page_of(rossi_client, service)
    _classes, status = element(page, "service-status")
    assert "SCADUTO" in status and "sola lettura" in status
    assert "Scaduto da 3 giorni" in element(page, "expiry")[1]
    assert 'id="renew-button"' in page.decode()


def test_the_service_list_marks_near_expiry_and_high_space(rossi_client, rossi, plan, today):
    cast.service_expiring(rossi, plan, on=today + datetime.timedelta(days=90), used_share="0.71")
    page = rossi_client.get(reverse("subscriptions:list")).content.decode()
    assert "Scade tra 90 giorni" in page
    assert "oltre il 70%" in page
