"""A declined automatic renewal charge tried again 15, 7 and 1 days before expiry, once each,
on the card saved at the time; with no card the order waits and the customer is told."""

import datetime

import pytest

from lifecycle.models import DailyRun, RenewalRetry
from lifecycle.selectors import services_due
from lifecycle.services import daily_run
from orders.models import Order
from sandbox.models import Checkout
from subscriptions.services import service_set_auto_renew
from tests import cast
from tests.clock import at
from tests.threads import all_at_once, skip_unless_postgresql

pytestmark = pytest.mark.django_db
D = datetime.date
EXPIRES_ON = D(2027, 3, 10)
DECLINED, GOOD = "4000000000000002", "4242424242424242"


@pytest.fixture(autouse=True)
def _days(settings):
    settings.LIFECYCLE_RETRY_DAYS = (15, 7, 1)
    settings.LIFECYCLE_REMINDER_DAYS = ()
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.SITE_URL = "https://area.example"


def before(days: int) -> datetime.date:
    return EXPIRES_ON - datetime.timedelta(days=days)


@pytest.fixture
def service(rossi, plan):
    service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
    service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
    assert service.expires_on == EXPIRES_ON
    return service


save_card = cast.save_card


def charges(order: Order) -> int:
    return Checkout.objects.filter(order_number=order.number).count()


def declines(mailoutbox) -> list:
    return [mail for mail in mailoutbox if "Pagamento non riuscito" in mail.subject]


def test_a_declined_renewal_is_retried_15_7_and_1_days_before_once_each(service, rossi, run_on, mailoutbox):
    save_card(rossi, DECLINED)
    run_on(before(30))
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    assert charges(order) == 1 and len(declines(mailoutbox)) == 1
    first = declines(mailoutbox)[0]
    assert f"il {before(15):%d/%m/%Y}" in first.body and "https://area.example/pagamenti/carta-salvata/" in first.body

    tried_on = {}
    day = before(29)
    while day <= EXPIRES_ON:
        for _twice in range(2):  # the same day run again retries nothing more
            run = run_on(day)
            assert run.outcome == DailyRun.Outcome.SUCCEEDED
            if run.retries:
                tried_on[(EXPIRES_ON - day).days] = tried_on.get((EXPIRES_ON - day).days, 0) + run.retries
        day += datetime.timedelta(days=1)

    assert tried_on == {15: 1, 7: 1, 1: 1}
    assert sorted(RenewalRetry.objects.filter(order=order).values_list("days_before", flat=True)) == [1, 7, 15]
    assert charges(order) == 4
    mails = declines(mailoutbox)
    assert len(mails) == 4  # the first decline and each retry's
    assert f"il {before(7):%d/%m/%Y}" in mails[1].body and f"il {before(1):%d/%m/%Y}" in mails[2].body
    assert f"https://area.example/ordini/{order.number}/paga/" in mails[3].body  # paying by hand, no retry left
    assert "Riproveremo" not in mails[3].body
    order.refresh_from_db()
    assert order.is_awaiting_payment


def test_a_card_saved_between_retries_is_used_by_the_next_and_renews(service, rossi, run_on):
    save_card(rossi, DECLINED)
    run_on(before(30))
    assert run_on(before(15)).retries == 1
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    assert order.is_awaiting_payment

    save_card(rossi, GOOD)
    run = run_on(before(7))
    assert run.retries == 1
    order.refresh_from_db()
    service.refresh_from_db()
    assert order.status == Order.Status.ACTIVE and order.payments.count() == 1
    assert service.expires_on == D(2028, 3, 10)
    assert run_on(before(1)).retries == 0


def test_without_a_saved_card_the_order_waits_and_the_customer_is_told_once(service, run_on, mailoutbox):
    run_on(before(30))
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    assert run_on(before(15)).retries == 1
    assert run_on(before(15)).retries == 0
    assert charges(order) == 0
    (told,) = [mail for mail in mailoutbox if "nessuna carta salvata" in mail.body]
    assert f"https://area.example/ordini/{order.number}/paga/" in told.body
    order.refresh_from_db()
    assert order.is_awaiting_payment
    assert RenewalRetry.objects.get(order=order).card_saved is False


def test_the_services_due_list_shows_the_retry_due(service, rossi, run_on):
    from lifecycle.models import RunError

    save_card(rossi, DECLINED)
    run_on(before(30))
    assert list(services_due(RunError.Step.RETRY, before(16))) == []
    assert list(services_due(RunError.Step.RETRY, before(15))) == [service]
    run_on(before(15))
    assert list(services_due(RunError.Step.RETRY, before(15))) == []


def test_a_service_renewed_by_hand_meanwhile_gets_no_retry(service, rossi, run_on, rossi_client):
    from payments.transfers import transfer_register

    save_card(rossi, DECLINED)
    run_on(before(30))
    order = service.orders.get(kind=Order.Kind.RENEWAL)
    with at(before(20)):
        transfer_register(order=order, operator=cast.operator())
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    for days in (15, 7, 1):
        assert run_on(before(days)).retries == 0
    assert charges(order) == 1 and not RenewalRetry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_retry_once(rossi, plan, django_capture_on_commit_callbacks):
    skip_unless_postgresql()
    services = []
    for _ in range(3):
        service = cast.active_service(rossi, plan, activated_on=D(2026, 3, 10))
        service_set_auto_renew(service_id=service.pk, enabled=True, actor=rossi.user)
        services.append(service)
    save_card(rossi, DECLINED)
    with at(before(30)):
        daily_run(before(30))
    with at(before(15)):
        runs = all_at_once(lambda i: daily_run(before(15)), 2, refused=())
    assert {run.outcome for run in runs} == {DailyRun.Outcome.SUCCEEDED}
    assert sum(run.retries for run in runs) == 3
    assert RenewalRetry.objects.filter(days_before=15).count() == 3
    for service in services:
        assert charges(service.orders.get(kind=Order.Kind.RENEWAL)) == 2
