"""After expiry: SCADUTO (panel read-only), SOSPESO after the grace period (panel closed, renewal
and the archive's download offered), listed as due for cessation after CESSATION_DUE_DAYS, and
CESSATO only by an operator's confirmation. Each change mails the customer, in their language; the
service page says, in words, what the customer can do and by when. Dunning is per service."""

import datetime

import pytest
from django.urls import reverse

from audit.actors import SYSTEM
from notifications.tasks import send_service_mail
from orders.models import Order
from orders.services import order_place_renewal, order_place_space_increase
from payments.transfers import transfer_register
from subscriptions.models import Service
from subscriptions.services import service_cease, service_set_auto_renew
from tests import cast
from tests.archive.conftest import deposit, document_classes  # noqa: F401  (a fixture)
from tests.clock import at
from tests.html import element

pytestmark = pytest.mark.django_db
D = datetime.date
EXPIRES_ON = D(2027, 3, 10)  # the last day of the term begun on 10/03/2026
READ_ONLY_FROM = D(2027, 3, 11)
SUSPENDED_FROM = D(2027, 4, 10)  # 30 days of grace after 11/03
CESSATION_DUE_FROM = D(2027, 6, 9)  # 60 days SOSPESO
Status = Service.Status


@pytest.fixture(autouse=True)
def _days(settings):
    settings.GRACE_PERIOD_DAYS = 30
    settings.CESSATION_DUE_DAYS = 60
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.LIFECYCLE_REMINDER_DAYS = ()
    settings.SITE_URL = "https://area.example"


@pytest.fixture
def service(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert service.expires_on == EXPIRES_ON
    return service


def status_of(service) -> str:
    service.refresh_from_db()
    return service.status


def mails_about(mailoutbox, words: str) -> list:
    return [mail for mail in mailoutbox if words in mail.subject]


def test_the_days_each_state_begins_on_follow_the_expiry(service):
    assert (service.read_only_from, service.suspended_from, service.cessation_due_from) == (
        READ_ONLY_FROM,
        SUSPENDED_FROM,
        CESSATION_DUE_FROM,
    )


def test_each_state_begins_on_its_day_and_no_timer_ever_ceases(service, run_on):
    run_on(EXPIRES_ON)
    assert status_of(service) == Status.ACTIVE
    run_on(READ_ONLY_FROM)
    assert status_of(service) == Status.EXPIRED
    run_on(SUSPENDED_FROM - datetime.timedelta(days=1))
    assert status_of(service) == Status.EXPIRED
    run_on(SUSPENDED_FROM)
    assert status_of(service) == Status.SUSPENDED
    assert not Service.objects.due_for_cessation(CESSATION_DUE_FROM - datetime.timedelta(days=1)).exists()
    assert list(Service.objects.due_for_cessation(CESSATION_DUE_FROM)) == [service]
    run_on(D(2030, 1, 1))  # years later, still only listed: only an operator ceases
    assert status_of(service) == Status.SUSPENDED


def test_expiry_mails_that_the_panel_is_read_only_and_until_when_to_renew(service, run_on, mailoutbox):
    run_on(READ_ONLY_FROM)

    (mail,) = mails_about(mailoutbox, "è scaduto")
    assert mail.to == ["rossi@example.com"]
    assert mail.subject == "Il servizio Professional è scaduto il 10 Marzo 2027"
    assert "Il Pannello è in sola lettura" in mail.body
    assert "Rinnova prima del 10 Aprile 2027" in mail.body
    assert f"https://area.example/{service.public_id}/rinnova/" in mail.body
    assert "€\u00a0353,80" in mail.body
    html = mail.alternatives[0][0]
    assert "Rinnova il servizio" in html


def test_expiry_of_a_service_renewing_by_itself_links_its_unpaid_order(rossi, service, run_on, mailoutbox):
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    run_on(EXPIRES_ON - datetime.timedelta(days=30))  # the order is placed; no card to charge
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    run_on(READ_ONLY_FROM)

    (mail,) = mails_about(mailoutbox, "è scaduto")
    assert f"L'ordine di rinnovo {order.number}" in mail.body
    assert f"https://area.example/ordini/{order.number}/paga/" in mail.body


def test_suspension_mails_that_the_panel_is_closed_and_the_archive_can_be_downloaded(service, run_on, mailoutbox):
    run_on(READ_ONLY_FROM)
    run_on(SUSPENDED_FROM)

    (mail,) = mails_about(mailoutbox, "è sospeso")
    assert "ora è SOSPESO e il Pannello è chiuso" in mail.body
    assert "nessun documento viene cancellato" in mail.body
    assert f"https://area.example/pannello/{service.public_id}/esporta/" in mail.body
    assert "dal 9 Giugno 2027 un nostro operatore potrà cessarlo" in mail.body


def test_the_mails_speak_the_customers_language(rossi, service, run_on, mailoutbox):
    rossi.language = "en"
    rossi.save(update_fields=["language"])
    run_on(READ_ONLY_FROM)
    (mail,) = mailoutbox
    assert mail.subject == "The Professional service expired on 10 March 2027"
    assert "The panel is read-only" in mail.body


def test_a_state_mail_is_not_sent_once_the_service_has_left_that_state(rossi, service, run_on, mailoutbox):
    run_on(READ_ONLY_FROM)
    mailoutbox.clear()
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    with at(READ_ONLY_FROM):
        transfer_register(order=order, operator=SYSTEM)
    mailoutbox.clear()

    send_service_mail.call("service_expired", service.pk, Status.EXPIRED)  # queued before the renewal

    assert mailoutbox == []


def test_the_admin_lists_services_due_for_cessation_and_ceases_only_on_confirmation(
    client, admin_user, service, run_on, mailoutbox, django_capture_on_commit_callbacks
):
    run_on(READ_ONLY_FROM)
    run_on(SUSPENDED_FROM)
    mailoutbox.clear()
    with at(CESSATION_DUE_FROM):
        cast.verified_operator_login(client, admin_user)
        due_page = client.get(reverse("admin:lifecycle_dailyrun_due")).content.decode()
        listed = client.get(reverse("admin:subscriptions_service_changelist") + "?da_cessare=1").content.decode()
        changelist = reverse("admin:subscriptions_service_changelist")
        asked = client.post(changelist, {"action": "cease", "_selected_action": [service.pk]})
        assert status_of(service) == Status.SUSPENDED  # the first post only asks
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = client.post(changelist, {"action": "cease", "_selected_action": [service.pk], "confirm": "yes"})

    assert "?da_cessare=1" in due_page
    assert reverse("admin:subscriptions_service_change", args=[service.pk]) in listed
    question = asked.content.decode()
    assert "Confermi la cessazione?" in question and "da cessare" in element(question, "cease-list")[1]
    assert confirmed.status_code == 302
    assert status_of(service) == Status.CEASED
    (mail,) = mails_about(mailoutbox, "è cessato")
    assert "I documenti non sono stati cancellati" in mail.body
    assert f"/pannello/{service.public_id}/esporta/" in mail.body


def test_ceasing_cancels_the_orders_still_waiting_for_payment(rossi, service, run_on):
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    run_on(EXPIRES_ON - datetime.timedelta(days=30))  # the automatic renewal order, unpaid (no card)
    run_on(READ_ONLY_FROM)
    run_on(SUSPENDED_FROM)
    waiting = service.orders.get(kind=Order.Kind.RENEWAL)
    assert waiting.status == Order.Status.AWAITING_PAYMENT

    with at(CESSATION_DUE_FROM):
        service_cease(service_id=service.pk, actor=cast.operator())

    waiting.refresh_from_db()
    assert waiting.status == Order.Status.CANCELLED  # nobody can pay for what can no longer be given


def test_the_confirmation_says_when_a_service_is_ceased_before_its_time(client, admin_user, service, run_on):
    run_on(READ_ONLY_FROM)
    with at(READ_ONLY_FROM):
        cast.verified_operator_login(client, admin_user)
        asked = client.post(
            reverse("admin:subscriptions_service_changelist"), {"action": "cease", "_selected_action": [service.pk]}
        )
    assert "prima del termine: sarebbe da cessare dal" in element(asked.content.decode(), "cease-list")[1]


def what_now(client, service) -> str:
    return element(client.get(service.get_absolute_url()).content, "service-status-what-now")[1]


def test_the_service_page_says_what_can_be_done_in_each_state_and_by_when(client, rossi, service, run_on):
    def page_on(day):
        with at(day):
            client.force_login(rossi.user)
            return what_now(client, service)

    assert "Rinnova entro il 10 Marzo 2027: dal 11 Marzo 2027 il Pannello sarà in sola lettura." in page_on(
        D(2027, 1, 10)
    )
    run_on(READ_ONLY_FROM)
    text = page_on(READ_ONLY_FROM)
    assert "Pannello in sola lettura" in text and "Rinnova prima del 10 Aprile 2027" in text
    run_on(SUSPENDED_FROM)
    text = page_on(SUSPENDED_FROM)
    assert "Pannello chiuso" in text and "scarica l'archivio" in text and "Dal 9 Giugno 2027" in text
    service_cease(service_id=service.pk, actor=SYSTEM)
    assert "Il servizio è cessato e non si può più rinnovare" in page_on(SUSPENDED_FROM)


def test_a_service_renewing_by_itself_says_so(rossi_client, rossi, service, today):
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    assert "Si rinnova da solo: 30 giorni prima della scadenza (10 Marzo 2027)" in what_now(rossi_client, service)


@pytest.mark.usefixtures("document_classes")
def test_an_unpaid_renewal_of_one_service_never_touches_another_paid_service(
    client, rossi, plan, service, run_on, settings, tmp_path
):
    """Dunning is per service: rossi's second service, paid, stays ATTIVO, deposits, renews and
    grows while the first one goes SCADUTO and SOSPESO over its declined automatic renewal."""
    settings.ARCHIVE_STORAGE_ROOT = tmp_path / "archive"
    cast.save_card(rossi, "4000000000000002")  # declined
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    paid = cast.active_service(rossi, plan, activated_on=D(2026, 9, 1))
    for day in (EXPIRES_ON - datetime.timedelta(days=30), READ_ONLY_FROM, SUSPENDED_FROM):
        run_on(day)
    assert status_of(service) == Status.SUSPENDED
    assert service.orders.get(kind=Order.Kind.RENEWAL).status == Order.Status.AWAITING_PAYMENT

    assert status_of(paid) == Status.ACTIVE
    with at(SUSPENDED_FROM):
        kept = deposit(paid, {"nota.txt": b"ancora attivo\n"})
        space, _created = order_place_space_increase(service_id=paid.pk, step=cast.space_step(), actor=rossi.user)
        transfer_register(order=space, operator=SYSTEM)
        renewal, _created = order_place_renewal(service_id=paid.pk, actor=rossi.user)
        client.force_login(rossi.user)
        page = client.get(paid.get_absolute_url()).content.decode()
    assert kept.documents.count() == 1
    space.refresh_from_db()
    assert space.status == Order.Status.ACTIVE and renewal.status == Order.Status.AWAITING_PAYMENT
    assert status_of(paid) == Status.ACTIVE and paid.quota_bytes > plan.quota_bytes
    assert "Accedi al Pannello" in page and "SOSPESO" not in element(page, "service-status")[1]
