"""Reminders by mail before a service expires: each threshold once per term, whatever runs again
or at once, only the nearest after skipped days, none for a term renewed, and the words of each
case in the customer's language."""

import datetime

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from audit.actors import SYSTEM
from lifecycle import periodic
from lifecycle.models import DailyRun, RunError, ServiceReminder
from lifecycle.selectors import services_due
from lifecycle.services import daily_run
from orders.services import order_place_renewal
from payments.providers.base import CardDetails
from payments.services import card_save
from payments.transfers import transfer_register
from sandbox.models import VaultCard
from subscriptions.models import Service
from subscriptions.services import service_set_auto_renew
from tests import cast
from tests.clock import at
from tests.threads import all_at_once, skip_unless_postgresql

pytestmark = pytest.mark.django_db
D = datetime.date
EXPIRES_ON = D(2027, 3, 10)  # the last day of a term begun on 10/03/2026
THRESHOLDS = (90, 60, 30, 7, 1)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.LIFECYCLE_REMINDER_DAYS = THRESHOLDS
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.GRACE_PERIOD_DAYS = 30
    settings.SITE_URL = "https://area.example"


def before(days: int, expires_on: datetime.date = EXPIRES_ON) -> datetime.date:
    return expires_on - datetime.timedelta(days=days)


@pytest.fixture
def service(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    assert service.expires_on == EXPIRES_ON
    return service


def reminders(mailoutbox) -> list[str]:
    return [message.subject for message in mailoutbox if "scade il" in message.subject]


def rows(service) -> list[tuple[datetime.date, int]]:
    return sorted(ServiceReminder.objects.filter(service=service).values_list("expires_on", "days_before"))


def save_card(customer, number: str = "4242424242424242") -> None:
    VaultCard.objects.create(token=f"sbxcard_{number}", card_number=number, card_expiry="03/30")
    card_save(
        customer=customer,
        provider="sandbox",
        card=CardDetails(token=f"sbxcard_{number}", brand="Visa", last4=number[-4:], exp_month=3, exp_year=2030),
        actor=customer.user,
    )


def test_a_term_walked_day_by_day_gets_each_reminder_once_on_its_day(service, run_on, mailoutbox):
    sent_on = {}
    day = before(100)
    while day <= EXPIRES_ON:
        count = len(mailoutbox)
        run = run_on(day)
        assert run.outcome == DailyRun.Outcome.SUCCEEDED
        if run.reminders:
            sent_on[(EXPIRES_ON - day).days] = run.reminders
        assert len(mailoutbox) - count == run.reminders
        day += datetime.timedelta(days=1)

    assert sent_on == {90: 1, 60: 1, 30: 1, 7: 1, 1: 1}
    assert rows(service) == [(EXPIRES_ON, days) for days in (1, 7, 30, 60, 90)]
    assert all(message.to == ["rossi@example.com"] for message in mailoutbox if "scade il" in message.subject)
    assert "10 Marzo 2027" in reminders(mailoutbox)[0]


def test_the_same_day_run_twice_sends_nothing_more(service, run_on, mailoutbox):
    assert run_on(before(30)).reminders == 1
    again = run_on(before(30))
    assert again.reminders == 0 and again.outcome == DailyRun.Outcome.SUCCEEDED
    assert len(reminders(mailoutbox)) == 1 and rows(service) == [(EXPIRES_ON, 30)]


def test_after_skipped_days_only_the_nearest_reminder_is_sent_once(service, run_on, mailoutbox):
    assert run_on(before(5)).reminders == 1  # never reminded, 5 days left: the 7-day one only
    assert rows(service) == [(EXPIRES_ON, 7)]
    assert "tra 5 giorni" in mailoutbox[-1].body
    assert run_on(before(4)).reminders == 0 and run_on(before(2)).reminders == 0
    assert run_on(before(1)).reminders == 1
    assert rows(service) == [(EXPIRES_ON, 1), (EXPIRES_ON, 7)] and len(reminders(mailoutbox)) == 2


def test_nothing_beyond_the_farthest_threshold_nor_after_expiry(service, run_on, mailoutbox):
    assert run_on(before(91)).reminders == 0
    assert run_on(EXPIRES_ON).reminders == 0  # the last day: expires_on is no longer ahead
    assert not reminders(mailoutbox) and not ServiceReminder.objects.exists()


def test_a_renewal_stops_the_old_terms_reminders_and_the_new_term_gets_its_own(service, rossi, run_on, mailoutbox):
    assert run_on(before(30)).reminders == 1
    with at(before(20), hour=9):
        order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
        transfer_register(order=order, operator=SYSTEM)
    service.refresh_from_db()
    new_expiry = service.expires_on
    assert new_expiry == D(2028, 3, 10)

    for day in (before(7), before(1)):
        assert run_on(day).reminders == 0
    assert run_on(before(90, new_expiry)).reminders == 1
    assert rows(service) == [(EXPIRES_ON, 30), (new_expiry, 90)]
    assert "10 Marzo 2028" in reminders(mailoutbox)[-1]


def test_a_reminder_queued_for_a_term_since_renewed_is_not_sent(service, rossi, mailoutbox):
    from notifications.tasks import send_expiry_reminder

    service.expires_on = D(2028, 3, 10)
    service.save(update_fields=["expires_on"])
    send_expiry_reminder.call(service.pk, EXPIRES_ON.isoformat(), 7)
    assert not mailoutbox


# What the mail says in each case.


def test_automatic_renewal_with_a_saved_card_names_the_card_the_amount_and_the_date(service, rossi, run_on, mailoutbox):
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    save_card(rossi)
    run_on(before(60))
    (message,) = mailoutbox[-1:]
    assert message.subject == "Il servizio Professional scade il 10 Marzo 2027"
    html = message.alternatives[0][0]
    for text in (message.body, html):
        # 290,00 + 22% IVA, charged 30 days before expiry (AUTO_RENEWAL_LEAD_DAYS)
        assert "il 8 Febbraio 2027 addebiteremo € 353,80 sulla carta •••• 4242" in text.replace("\u00a0", " ")
        assert "tra 60 giorni" in text
        assert "dal 11 Marzo 2027" in text
        assert "dal 10 Aprile 2027" in text  # suspended after the 30 days of grace
    assert service.panel_username in message.body


def test_automatic_renewal_keeps_the_add_ons_in_the_amount(service, rossi, run_on, mailoutbox):
    service.add_ons.create(size_bytes=10 * 10**9, yearly_price_net="70.00", added_on=D(2026, 6, 1))
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    save_card(rossi)
    run_on(before(60))
    assert "€ 439,20 sulla carta •••• 4242" in mailoutbox[-1].body.replace("\u00a0", " ")  # (290 + 70) * 1.22


def test_automatic_renewal_without_a_card_says_a_card_or_a_payment_is_needed(service, rossi, run_on, mailoutbox):
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    run_on(before(7))
    body = mailoutbox[-1].body
    assert "non hai una carta salvata" in body and "con una carta o con bonifico" in body
    assert "••••" not in body


def test_without_automatic_renewal_the_mail_links_the_renew_page(service, run_on, mailoutbox):
    run_on(before(90))
    message = mailoutbox[-1]
    link = "https://area.example" + reverse("orders:renew", args=[service.public_id])
    assert "Il rinnovo automatico non è attivo" in message.body
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]
    assert "••••" not in message.body


def test_the_mail_is_in_the_customers_language(service, rossi, run_on, mailoutbox):
    # The English words come from the lead's .po at the end: asserted here are the language's own
    # date (Django's month names) and the link, not our sentences.
    rossi.language = "en"
    rossi.save(update_fields=["language"])
    run_on(before(90))
    message = mailoutbox[-1]
    assert "10 March 2027" in message.subject and "10 March 2027" in message.body
    assert reverse("orders:renew", args=[service.public_id]) in message.body
    assert "marzo" not in message.body


# The run: its count, one service's error apart, the admin, and at most one reminder however run.


def test_one_services_reminder_error_is_recorded_and_the_others_are_sent(rossi, plan, run_on, mailoutbox, monkeypatch):
    first, failing, last = (cast.active_service(rossi, plan, activated_on=D(2026, 3, 10)) for _ in range(3))
    mail = periodic.mails.expiry_reminder

    def broken(*, service, days_before):
        if service.pk == failing.pk:
            raise RuntimeError("modello rotto")
        mail(service=service, days_before=days_before)

    monkeypatch.setattr(periodic.mails, "expiry_reminder", broken)
    run = run_on(before(30))
    assert run.outcome == DailyRun.Outcome.FAILED and run.reminders == 2
    error = RunError.objects.get()
    assert (error.step, error.service) == (RunError.Step.REMINDER, failing)
    assert not ServiceReminder.objects.filter(service=failing).exists()  # rolled back: due again tomorrow
    assert len(reminders(mailoutbox)) == 2

    monkeypatch.undo()
    assert run_on(before(29)).reminders == 1  # the next run sends it, the nearest still due
    assert rows(failing) == [(EXPIRES_ON, 30)]


def test_the_admin_lists_the_reminders_due_with_the_runs_queryset(service, client, admin_user, run_on):
    with at(before(7), hour=10):
        assert list(services_due(RunError.Step.REMINDER, before(7))) == [service]
        cast.verified_operator_login(client, admin_user)  # the session would be too old on the day
        page = client.get(reverse("admin:lifecycle_dailyrun_due")).content.decode()
        listed = client.get(reverse("admin:lifecycle_dueservice_changelist"), {"passo": "PROMEMORIA"})
    assert "?passo=PROMEMORIA" in page and "Promemoria di scadenza" in page
    assert reverse("admin:subscriptions_service_change", args=[service.pk]) in listed.content.decode()
    run_on(before(7))
    assert not services_due(RunError.Step.REMINDER, before(7)).exists()


def test_the_query_reads_only_the_window_of_expiry_dates(service, rossi, plan):
    far = cast.active_service(rossi, plan, activated_on=D(2026, 9, 1))
    due = periodic.due_for_reminder(before(7))
    assert list(due) == [service] and far not in due
    sql = str(due.query)
    assert '"expires_on" >' in sql and '"expires_on" <=' in sql


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_mail_task_commits_or_rolls_back_with_the_reminder(service, settings):
    """Exactly-once queueing: django-tasks-db writes the task in the reminder's transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    day = before(7)

    class Killed(Exception):
        pass

    with at(day), pytest.raises(Killed), periodic.transaction.atomic():
        assert periodic.handle_one_reminder(service.pk, day)
        assert DBTaskResult.objects.count() == 1  # queued inside the transaction...
        raise Killed  # ...and the run dies before its commit
    assert not DBTaskResult.objects.exists() and not ServiceReminder.objects.exists()  # nothing lost, nothing sent

    with at(day):
        assert daily_run(day).reminders == 1
        assert daily_run(day).reminders == 0
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [service.pk, EXPIRES_ON.isoformat(), 7]
    assert rows(service) == [(EXPIRES_ON, 7)]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(rossi, plan, mailoutbox):
    skip_unless_postgresql()
    services = [cast.active_service(rossi, plan, activated_on=D(2026, 3, 10)) for _ in range(6)]
    day = before(30)
    with at(day):
        runs = all_at_once(lambda i: daily_run(day), 2, refused=())
    assert {run.outcome for run in runs} == {DailyRun.Outcome.SUCCEEDED}
    assert sum(run.reminders for run in runs) == 6
    assert ServiceReminder.objects.count() == 6 and len(reminders(mailoutbox)) == 6
    assert {row for service in services for row in rows(service)} == {(EXPIRES_ON, 30)}


def test_a_run_that_read_the_service_as_due_after_another_sent_it_sends_nothing(
    service, run_on, mailoutbox, monkeypatch
):
    """Two runs can both read a service as due (the second read before the first committed): the
    unique constraint, not the query, lets only one reminder through."""
    assert run_on(before(7)).reminders == 1
    monkeypatch.setattr(periodic, "due_for_reminder", lambda today: Service.objects.filter(pk=service.pk))
    run = run_on(before(7))
    assert run.reminders == 0 and run.outcome == DailyRun.Outcome.SUCCEEDED
    assert len(reminders(mailoutbox)) == 1 and rows(service) == [(EXPIRES_ON, 7)]


def test_a_batch_that_meets_a_reminder_sent_by_another_run_sends_each_of_the_others_once(
    rossi, plan, run_on, mailoutbox, monkeypatch
):
    """The batch's one insert meets the constraint: its mails are rolled back and its services go
    one by one, where only the one already reminded is refused."""
    first, second, third = (cast.active_service(rossi, plan, activated_on=D(2026, 3, 10)) for _ in range(3))
    monkeypatch.setattr(periodic, "due_for_reminder", lambda today: Service.objects.filter(pk=second.pk))
    assert run_on(before(7)).reminders == 1  # the other run, on the second service alone
    everyone = Service.objects.filter(pk__in=[first.pk, second.pk, third.pk])
    monkeypatch.setattr(periodic, "due_for_reminder", lambda today: everyone)  # read before the other committed

    run = run_on(before(7))
    assert run.reminders == 2 and run.outcome == DailyRun.Outcome.SUCCEEDED
    assert len(reminders(mailoutbox)) == 3
    assert [rows(service) for service in (first, second, third)] == [[(EXPIRES_ON, 7)]] * 3
