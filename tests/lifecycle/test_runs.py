"""Runs that operators can trust: each run's record, one service's error kept apart, the admin's
runs and services due, and the health endpoint a monitor asks."""

import contextlib
import datetime
import io
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Customer
from audit.models import AuditEntry
from lifecycle import periodic
from lifecycle.models import DailyRun, RunError
from lifecycle.services import daily_run
from orders.models import Order
from payments.errors import PaymentError
from subscriptions import services as subscriptions_services
from subscriptions.models import Service
from subscriptions.services import service_set_auto_renew
from tests import cast
from tests.clock import at
from tests.threads import all_at_once, skip_unless_postgresql

pytestmark = pytest.mark.django_db
D = datetime.date
EXPIRY_DAY = D(2027, 3, 11)  # the day after the last day of a term begun on 10/03/2026
HEALTH = "/salute/esecuzioni/"


def run_on(day: datetime.date) -> DailyRun:
    # A run with errors exits non-zero: the record says what happened.
    with at(day), contextlib.suppress(CommandError):
        call_command("update_services", stdout=io.StringIO())
    return DailyRun.objects.latest("started_at")


def services_expiring(rossi, plan, count: int) -> list[Service]:
    return [cast.active_service(rossi, plan, activated_on=D(2026, 3, 10)) for _ in range(count)]


def health(client, day: datetime.date, hour: int = 10):
    with at(day, hour):
        return client.get(HEALTH)


def test_a_run_records_what_each_step_did(rossi, plan, settings):
    settings.GRACE_PERIOD_DAYS = 30
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    services_expiring(rossi, plan, 2)
    old = cast.active_service(rossi, plan, activated_on=D(2026, 2, 1))  # expired 02/02/2027: suspended 30 days on
    automatic = cast.active_service(rossi, plan, activated_on=D(2026, 4, 1))
    service_set_auto_renew(service_id=automatic.pk, enabled=True, actor=rossi.user)
    with at(D(2027, 2, 5)):
        daily_run(D(2027, 2, 5))  # expires `old`

    run = run_on(EXPIRY_DAY)

    assert run.outcome == DailyRun.Outcome.SUCCEEDED and run.business_day == EXPIRY_DAY
    assert (run.expired, run.suspended, run.renewal_orders_placed) == (2, 1, 1)
    assert (run.charges_asked, run.charges_refused) == (0, 0)  # no saved card
    assert run.started_at <= run.finished_at and not run.errors.exists()
    old.refresh_from_db()
    assert old.status == Service.Status.SUSPENDED
    assert automatic.orders.filter(kind=Order.Kind.RENEWAL).count() == 1


def test_the_command_prints_the_summary(rossi, plan):
    services_expiring(rossi, plan, 1)
    output = io.StringIO()
    with at(EXPIRY_DAY):
        call_command("update_services", stdout=output)
    assert "2027-03-11: 1 expired, 0 suspended" in output.getvalue() and "0 errors" in output.getvalue()


def fail_for(monkeypatch, failing: Service) -> None:
    real = subscriptions_services.service_expire

    def service_expire(*, service_id, **kwargs):
        if service_id == failing.pk:
            real(service_id=service_id, **kwargs)  # its change is made, then rolled back
            raise RuntimeError("disco pieno")
        return real(service_id=service_id, **kwargs)

    monkeypatch.setattr(periodic, "service_expire", service_expire)


@pytest.mark.django_db(transaction=True)  # the run's record must survive the service's rollback for real
def test_one_services_error_is_recorded_with_it_and_the_others_still_expire(rossi, plan, monkeypatch):
    first, failing, last = services_expiring(rossi, plan, 3)
    fail_for(monkeypatch, failing)

    with at(EXPIRY_DAY), pytest.raises(CommandError):  # the exit status says the run failed
        call_command("update_services", stdout=io.StringIO())

    run = DailyRun.objects.get()
    assert run.outcome == DailyRun.Outcome.FAILED and run.expired == 2 and run.finished_at is not None
    error = RunError.objects.get()
    assert (error.run, error.step, error.service, error.order_id) == (run, RunError.Step.EXPIRY, failing, None)
    assert error.message == "RuntimeError: disco pieno" and "disco pieno" in error.traceback
    assert Service.objects.get(pk=failing.pk).status == Service.Status.ACTIVE  # rolled back, nothing half-written
    assert not AuditEntry.objects.filter(object_id=failing.pk, action=AuditEntry.Action.SERVICE_EXPIRED).exists()
    assert {s.status for s in Service.objects.filter(pk__in=[first.pk, last.pk])} == {Service.Status.EXPIRED}


def test_services_are_claimed_in_batches_until_none_is_left_and_a_failure_is_passed(rossi, plan, monkeypatch):
    monkeypatch.setattr(periodic, "CLAIM_BATCH", 2)
    services = services_expiring(rossi, plan, 5)
    fail_for(monkeypatch, services[1])
    run = run_on(EXPIRY_DAY)
    assert (run.outcome, run.expired, RunError.objects.get().service) == (DailyRun.Outcome.FAILED, 4, services[1])
    statuses = [Service.objects.get(pk=service.pk).status for service in services]
    assert statuses == [Service.Status.EXPIRED, Service.Status.ACTIVE] + [Service.Status.EXPIRED] * 3


def test_the_next_run_takes_the_service_that_failed(rossi, plan, monkeypatch):
    (failing,) = services_expiring(rossi, plan, 1)
    fail_for(monkeypatch, failing)
    assert run_on(EXPIRY_DAY).outcome == DailyRun.Outcome.FAILED
    monkeypatch.undo()
    run = run_on(EXPIRY_DAY + datetime.timedelta(days=1))
    assert run.outcome == DailyRun.Outcome.SUCCEEDED and run.expired == 1


def test_a_traceback_is_kept_only_in_part(rossi, plan, monkeypatch):
    (failing,) = services_expiring(rossi, plan, 1)

    def service_expire(**kwargs):
        raise ValueError("x" * 10_000)

    monkeypatch.setattr(periodic, "service_expire", service_expire)
    run_on(EXPIRY_DAY)
    error = RunError.objects.get()
    assert len(error.traceback) == RunError.TRACEBACK_LIMIT and error.traceback.rstrip().endswith("x")


def test_a_run_that_dies_is_recorded_as_crashed(rossi, plan, monkeypatch):
    services_expiring(rossi, plan, 1)

    def broken(today):
        raise ConnectionError("il fornitore non risponde")

    monkeypatch.setattr(periodic, "renewal_charges_due", broken)
    with at(EXPIRY_DAY), pytest.raises(CommandError):
        call_command("update_services", stdout=io.StringIO())

    run = DailyRun.objects.get()
    assert run.outcome == DailyRun.Outcome.CRASHED and run.expired == 1  # what it had done is kept
    error = run.errors.get()
    assert error.step == RunError.Step.RUN and error.service is None and "il fornitore" in error.message


def test_a_charge_that_raises_is_recorded_with_its_order_and_one_refused_is_counted(rossi, plan, monkeypatch):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    monkeypatch.setattr(periodic, "renewal_charges_due", lambda today: [(101, service.pk), (102, service.pk)])

    def renewal_charge(*, order_id):
        if order_id == 101:
            raise PaymentError("Il fornitore non risponde.")
        raise KeyError("carta")

    monkeypatch.setattr(periodic, "renewal_charge", renewal_charge)
    run = run_on(D(2027, 1, 5))

    assert (run.charges_asked, run.charges_refused, run.outcome) == (0, 1, DailyRun.Outcome.FAILED)
    error = run.errors.get()
    assert (error.step, error.service, error.order_id) == (RunError.Step.CHARGE, service, 102)


# The health endpoint


def test_health_is_an_error_before_any_run(client, db):
    response = health(client, EXPIRY_DAY)
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": "Nessuna esecuzione giornaliera registrata.",
        "last_run_finished_at": None,
    }
    assert "no-store" in response["Cache-Control"]


def test_health_is_good_after_a_good_run_and_names_no_customer(client, rossi, plan):
    services_expiring(rossi, plan, 1)
    run_on(EXPIRY_DAY)

    response = health(client, EXPIRY_DAY)

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "reason": "L'ultima esecuzione è riuscita.",
        "last_run_finished_at": "2027-03-11T03:00:00+00:00",
    }
    assert "rossi" not in response.content.decode().lower()


def test_health_is_an_error_after_a_run_with_errors(client, rossi, plan, monkeypatch):
    (failing,) = services_expiring(rossi, plan, 1)
    fail_for(monkeypatch, failing)
    run_on(EXPIRY_DAY)

    response = health(client, EXPIRY_DAY)

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": "L'ultima esecuzione è finita con errori.",  # how many is the admin's to say
        "last_run_finished_at": "2027-03-11T03:00:00+00:00",
    }
    assert str(failing.public_id) not in response.content.decode()


def test_health_is_an_error_when_no_run_finished_in_26_hours(client, rossi, plan):
    run_on(EXPIRY_DAY)  # finished 11/03 at 03:00 UTC
    assert health(client, D(2027, 3, 12), hour=4).status_code == 200  # 25 hours on
    response = health(client, D(2027, 3, 12), hour=6)  # 27 hours on
    assert response.status_code == 503 and "26 ore" in response.json()["reason"]


def test_health_says_a_failed_run_is_too_old_rather_than_failed(client, rossi, plan, monkeypatch):
    (failing,) = services_expiring(rossi, plan, 1)
    fail_for(monkeypatch, failing)
    run_on(EXPIRY_DAY)
    response = health(client, D(2027, 3, 12), hour=6)
    assert response.json()["reason"] == "Nessuna esecuzione finita nelle ultime 26 ore."


def test_health_tells_a_stranger_nothing_the_runs_did(client, rossi, plan, monkeypatch):
    services_expiring(rossi, plan, 2)
    fail_for(monkeypatch, Service.objects.first())
    run_on(EXPIRY_DAY)
    body = health(client, EXPIRY_DAY).content.decode()
    for word in ["counts", "errors", "expired", "renew", "charge", "1", "business_day"]:
        assert word not in body.replace("2027-03-11T03:00:00+00:00", ""), word


def test_the_age_limit_is_a_setting(client, rossi, plan, settings):
    settings.LIFECYCLE_HEALTH_MAX_AGE_HOURS = 2
    run_on(EXPIRY_DAY)
    assert health(client, EXPIRY_DAY, hour=6).status_code == 503


def running_since(day: datetime.date, hour: int) -> DailyRun:
    started = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)
    return DailyRun.objects.create(business_day=day, started_at=started)  # killed before it finished


def test_a_run_with_no_finish_after_6_hours_counts_as_crashed(client, rossi, plan):
    run_on(EXPIRY_DAY)
    running_since(D(2027, 3, 12), hour=3)

    assert health(client, D(2027, 3, 12), hour=5).status_code == 200  # still going: the last finished run speaks
    response = health(client, D(2027, 3, 12), hour=10)
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": "L'ultima esecuzione si è interrotta prima di finire.",
        "last_run_finished_at": None,
    }


def test_a_later_good_run_clears_a_crashed_one(client, rossi, plan):
    running_since(D(2027, 3, 10), hour=3)
    run_on(EXPIRY_DAY)
    assert health(client, EXPIRY_DAY).status_code == 200


def test_health_answers_only_get(client, db):
    assert client.post(HEALTH).status_code == 405


# The admin


def some_runs(rossi, plan, monkeypatch, days: int) -> None:
    failing = services_expiring(rossi, plan, days)
    fail_for(monkeypatch, failing[0])
    for offset in range(days):
        run_on(EXPIRY_DAY + datetime.timedelta(days=offset))


def admin_pages() -> list[str]:
    run = DailyRun.objects.filter(errors__isnull=False).first()
    changelist = reverse("admin:lifecycle_dueservice_changelist")
    return [
        reverse("admin:lifecycle_dailyrun_changelist"),
        reverse("admin:lifecycle_dailyrun_change", args=[run.pk]),
        reverse("admin:lifecycle_dailyrun_due"),
        changelist,
        *(f"{changelist}?passo={step}" for step in ["SCADENZA", "SOSPENSIONE", "RINNOVO_AUTOMATICO", "ADDEBITO"]),
    ]


def queries_per_page(client, user) -> list[int]:
    """On a day some services are due for each step (the expiry of those that failed, the suspension
    of the others): every list has rows."""
    counts = []
    with at(D(2027, 5, 1)):
        cast.verified_operator_login(client, user)
        for url in admin_pages():
            client.get(url)  # a page's first request warms caches (content types, the device)
        for url in admin_pages():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            counts.append(len(captured))
    return counts


def test_the_admin_pages_render_with_as_many_queries_for_many_runs(client, admin_user, rossi, plan, monkeypatch):
    some_runs(rossi, plan, monkeypatch, 1)
    few = queries_per_page(client, admin_user)
    some_runs(rossi, plan, monkeypatch, 3)
    assert queries_per_page(client, admin_user) == few


def test_the_runs_list_shows_counts_errors_and_a_run_that_died(
    client, admin_user, admin_client, rossi, plan, monkeypatch
):
    some_runs(rossi, plan, monkeypatch, 1)
    running_since(D(2027, 3, 20), hour=3)
    with at(D(2027, 3, 21)):
        cast.verified_operator_login(client, admin_user)  # the session would be too old on the day
        page = client.get(reverse("admin:lifecycle_dailyrun_changelist")).content.decode()
    assert "con errori" in page and "interrotta (nessuna fine registrata)" in page
    assert reverse("admin:lifecycle_dailyrun_due") in page
    run = DailyRun.objects.filter(outcome=DailyRun.Outcome.FAILED).get()
    page = admin_client.get(reverse("admin:lifecycle_dailyrun_change", args=[run.pk])).content.decode()
    assert "disco pieno" in page and plan.name in page
    assert "Salva" not in page  # read-only


def test_the_services_due_page_counts_each_step_and_links_to_its_services(client, admin_user, rossi, plan, settings):
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    due, _later = services_expiring(rossi, plan, 1)[0], cast.active_service(rossi, plan, activated_on=D(2026, 6, 1))
    with at(EXPIRY_DAY):
        cast.verified_operator_login(client, admin_user)
        admin_client = client
        page = admin_client.get(reverse("admin:lifecycle_dailyrun_due")).content.decode()
        listed = admin_client.get(reverse("admin:lifecycle_dueservice_changelist") + "?passo=SCADENZA").content.decode()
        none = admin_client.get(
            reverse("admin:lifecycle_dueservice_changelist") + "?passo=SOSPENSIONE"
        ).content.decode()
    assert "?passo=SCADENZA" in page and "<td>1</td>" in page
    assert reverse("admin:subscriptions_service_change", args=[due.pk]) in listed
    assert reverse("admin:subscriptions_service_change", args=[_later.pk]) not in listed
    assert reverse("admin:subscriptions_service_change", args=[due.pk]) not in none


def test_an_operator_with_view_dailyrun_sees_runs_and_services_due(client, rossi, plan):
    operator = cast.operator()
    operator.user_permissions.add(Permission.objects.get(codename="view_dailyrun"))
    cast.verified_operator_login(client, operator)
    run_on(EXPIRY_DAY)
    for url in [
        reverse("admin:lifecycle_dailyrun_changelist"),
        reverse("admin:lifecycle_dailyrun_due"),
        reverse("admin:lifecycle_dueservice_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_an_operator_without_it_sees_neither(client, rossi, plan):
    cast.verified_operator_login(client, cast.operator())
    for url in [
        reverse("admin:lifecycle_dailyrun_changelist"),
        reverse("admin:lifecycle_dailyrun_due"),
        reverse("admin:lifecycle_dueservice_changelist"),
    ]:
        assert client.get(url).status_code == 403, url


# The demo's loop


class Stop(Exception):
    pass


def test_run_daily_runs_now_then_again_after_each_wait(rossi, plan, monkeypatch):
    services_expiring(rossi, plan, 1)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:
            raise Stop

    monkeypatch.setattr("lifecycle.management.commands.run_daily.time.sleep", sleep)
    monkeypatch.setattr(periodic, "renewal_charges_due", lambda today: 1 / 0)  # a crash does not stop the loop
    with at(EXPIRY_DAY), pytest.raises(Stop):
        call_command("run_daily", "--every", "60", stdout=io.StringIO())
    assert waits == [60, 60]
    assert list(DailyRun.objects.values_list("outcome", "expired")) == [("INTERROTTA", 0), ("INTERROTTA", 1)]


# Two machines at once


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_every_step_once_and_both_are_recorded(rossi, plan, settings):
    skip_unless_postgresql()
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    services_expiring(rossi, plan, 6)
    automatic = [cast.active_service(rossi, plan, activated_on=D(2026, 4, 1)) for _ in range(4)]
    for service in automatic:
        service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)

    with at(EXPIRY_DAY):
        runs = all_at_once(lambda i: daily_run(EXPIRY_DAY), 2, refused=())

    assert {run.outcome for run in runs} == {DailyRun.Outcome.SUCCEEDED} and DailyRun.objects.count() == 2
    assert sum(run.expired for run in runs) == 6 and sum(run.renewal_orders_placed for run in runs) == 4
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SERVICE_EXPIRED).count() == 6
    assert Order.objects.filter(kind=Order.Kind.RENEWAL).count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_suspension_waits_for_no_form_holding_the_customer_and_the_next_run_does_it(rossi, plan, settings):
    """Suspending advances the customer's revision in its transaction (the panel's kept pages); the
    batch holds service rows, a form holds the customer's first: the batch passes it, not waits."""
    skip_unless_postgresql()
    settings.GRACE_PERIOD_DAYS = 30
    old = cast.active_service(rossi, plan, activated_on=D(2026, 2, 1))
    with at(D(2027, 2, 5)):
        daily_run(D(2027, 2, 5))  # expires it
    form_holds, form_may_go = threading.Event(), threading.Event()

    def form():
        with transaction.atomic():
            Customer.objects.select_for_update().filter(pk=rossi.pk).exists()
            form_holds.set()
            form_may_go.wait(10)
        connection.close()

    holder = threading.Thread(target=form)
    holder.start()
    form_holds.wait(10)
    try:
        while_held = run_on(EXPIRY_DAY)
    finally:
        form_may_go.set()
        holder.join()

    assert while_held.suspended == 0 and Service.objects.get(pk=old.pk).status == Service.Status.EXPIRED
    assert run_on(EXPIRY_DAY).suspended == 1
    assert Service.objects.get(pk=old.pk).status == Service.Status.SUSPENDED
