"""A daily run killed half-way (the machine stops: an exception no step catches) loses nothing and
doubles nothing at the next run. Each test names the guarantee that holds and why."""

import datetime
from types import SimpleNamespace

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from lifecycle import periodic
from lifecycle.models import DailyRun, ServiceReminder
from lifecycle.services import daily_run
from notifications import mails
from orders.models import Order
from sandbox.models import Checkout
from subscriptions.services import service_set_auto_renew
from tests import cast
from tests.clock import at

D = datetime.date
EXPIRES_ON = D(2027, 3, 10)
ORDER_DAY = EXPIRES_ON - datetime.timedelta(days=30)
REMINDER_DAY = EXPIRES_ON - datetime.timedelta(days=7)


class Killed(BaseException):
    """What a stopped machine looks like to the run: nothing below catches it."""


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.LIFECYCLE_REMINDER_DAYS = (7,)
    settings.LIFECYCLE_RETRY_DAYS = ()


@pytest.fixture
def renewing(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    cast.save_card(rossi)
    return service


def run_killed(day, monkeypatch, target, name):
    """The day's run, killed inside `target.name`, after the original did its work."""
    original = getattr(target, name)

    def dies(*args, **kwargs):
        original(*args, **kwargs)
        raise Killed

    with monkeypatch.context() as patch, at(day):
        patch.setattr(target, name, dies)
        with pytest.raises(Killed):
            daily_run(day)
    assert DailyRun.objects.latest("started_at").outcome == DailyRun.Outcome.CRASHED


def worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


@pytest.mark.django_db(transaction=True)  # commits as in production: what survives a kill is what was committed
def test_killed_after_the_order_is_placed_before_its_charge_is_queued(renewing, monkeypatch):
    """Exactly once: the order and its charge's queueing are one transaction, so the kill rolls
    both back; the next run places the order and charges the card once."""
    run_killed(ORDER_DAY, monkeypatch, periodic, "renewal_charge_later")
    assert not renewing.orders.filter(kind=Order.Kind.RENEWAL).exists()

    with at(ORDER_DAY):
        assert daily_run(ORDER_DAY).renewal_orders_placed == 1
        daily_run(ORDER_DAY)  # and once more: nothing more
    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.status == Order.Status.ACTIVE
    assert Checkout.objects.filter(order_number=order.number).count() == 1
    renewing.refresh_from_db()
    assert renewing.expires_on == D(2028, 3, 10)


@pytest.mark.django_db(transaction=True)
def test_killed_after_the_order_commits_before_its_charge_task_runs(renewing, monkeypatch):
    """At least once, made once: a charge lost after the order committed (the worker never got
    it) is asked again by the next day's run, and the provider's key on the order makes it one."""
    from payments import tasks

    with monkeypatch.context() as patch:
        patch.setattr(tasks, "charge_saved_card", SimpleNamespace(enqueue=lambda *args: None))  # the task is lost
        with at(ORDER_DAY):
            daily_run(ORDER_DAY)
    order = renewing.orders.get(kind=Order.Kind.RENEWAL)
    assert order.is_awaiting_payment and not Checkout.objects.filter(order_number=order.number).exists()

    for day in (ORDER_DAY + datetime.timedelta(days=1), ORDER_DAY + datetime.timedelta(days=2)):
        with at(day):
            daily_run(day)
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Checkout.objects.filter(order_number=order.number).count() == 1


@pytest.mark.django_db(transaction=True)
def test_killed_after_the_reminder_is_queued_before_it_is_recorded(rossi, plan, settings, inbox):
    """Exactly once queued: with the database queue the mail's task row and the reminder's row are
    written in one transaction; the kill rolls both back, the next run queues it once, and the
    worker sends it once (counted by the SMTP server)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    inbox.messages.clear()
    DBTaskResult.objects.all().delete()  # the first purchase's mails: not this test's
    monkeypatch = pytest.MonkeyPatch()
    try:
        run_killed(REMINDER_DAY, monkeypatch, mails, "expiry_reminder")
    finally:
        monkeypatch.undo()
    assert not ServiceReminder.objects.exists() and not DBTaskResult.objects.exists()

    with at(REMINDER_DAY):
        assert daily_run(REMINDER_DAY).reminders == 1
        assert daily_run(REMINDER_DAY).reminders == 0
        worker().run()
        worker().run()
    assert [subject for subject in inbox.subjects() if " scade il " in subject] == [
        "Il servizio Professional scade il 10 Marzo 2027"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_mail_task_whose_worker_died_while_sending_is_not_sent_again(rossi, plan, settings, inbox):
    """At most once for the sending itself: a worker that dies between the SMTP server's 250 and
    marking the task done leaves it RUNNING, and django-tasks-db never hands a RUNNING task to
    another worker, nor does the next run queue the reminder again (its row is committed). We
    accept that rather than a second copy, because nothing can tell "sent, then died" from "died
    before sending": a retry would mail some customers twice; the task stays RUNNING in the admin
    (Tasks) for an operator to see."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    DBTaskResult.objects.all().delete()
    with at(REMINDER_DAY):
        daily_run(REMINDER_DAY)
        task = DBTaskResult.objects.get()
        DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.RUNNING)  # picked, then the worker died
        inbox.messages.clear()
        worker().run()
        assert daily_run(REMINDER_DAY).reminders == 0
    assert inbox.messages == []
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
