"""Four services walked day by day through more than a year by the daily run, with the clock,
every mail counted as the real SMTP server on loopback received it:

- rossi's renews by itself on a good card;
- bianchi's card is declined, retried, and paid once bianchi saves a new card;
- verdi's card is declined and never paid: SCADUTO, grace, SOSPESO, and the operator's cessation;
- neri's does not renew by itself: every reminder, SCADUTO, SOSPESO, then revived by paying.

Each day is run once, twice, and (on PostgreSQL) by two runs at once: nothing doubles."""

import collections
import datetime

import pytest

from audit.actors import SYSTEM
from lifecycle.services import daily_run
from orders.models import Order
from orders.services import order_place_renewal
from payments.transfers import transfer_register
from subscriptions.models import Service
from subscriptions.services import service_cease, service_set_auto_renew
from tests import cast
from tests.clock import at
from tests.threads import all_at_once, skip_unless_postgresql

D = datetime.date
ACTIVATED_ON = D(2026, 3, 10)
EXPIRES_ON = D(2027, 3, 10)
LAST_DAY = D(2027, 7, 20)
GOOD, DECLINED = "4242424242424242", "4000000000000002"
BIANCHI_SAVES_A_NEW_CARD = D(2027, 3, 1)  # after the 15-day retry, before the 7-day one
NERI_RENEWS = D(2027, 5, 2)  # SOSPESO since 10/04
OPERATOR_CEASES = D(2027, 6, 15)  # due for cessation since 09/06
Status = Service.Status

KINDS = {
    "reminder": " scade il ",
    "order placed": "ricevuto: come pagare",
    "declined": "Pagamento non riuscito",
    "paid": "Pagamento ricevuto",
    "transfer": "Bonifico registrato",
    "expired": " è scaduto il ",
    "suspended": " è sospeso",
    "ceased": " è cessato",
}


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.LIFECYCLE_REMINDER_DAYS = (90, 60, 30, 7, 1)
    settings.LIFECYCLE_RETRY_DAYS = (15, 7, 1)
    settings.AUTO_RENEWAL_LEAD_DAYS = 30
    settings.GRACE_PERIOD_DAYS = 30
    settings.CESSATION_DUE_DAYS = 60


def received(inbox) -> collections.Counter:
    """(recipient, kind) of every mail the server received."""
    counted = collections.Counter()
    for to, message in inbox.messages:
        kinds = [kind for kind, words in KINDS.items() if words in message["Subject"]]
        assert len(kinds) == 1, message["Subject"]
        counted[(to[0].split("@")[0], kinds[0])] += 1
    return counted


def walk(inbox, plan, run_day):
    customers = {name: cast.customer(f"{name}@example.com", f"{name.title()} S.r.l.") for name in KINDS_OF_SERVICE}
    services = {
        name: cast.active_service(customer, plan, activated_on=ACTIVATED_ON) for name, customer in customers.items()
    }
    for name, card in [("rossi", GOOD), ("bianchi", DECLINED), ("verdi", DECLINED)]:
        cast.save_card(customers[name], card)
        service_set_auto_renew(service_id=services[name].pk, enabled=True, actor=customers[name].user)
    inbox.messages.clear()  # the first purchases' mails

    day = ACTIVATED_ON
    while day <= LAST_DAY:
        with at(day):
            if day == BIANCHI_SAVES_A_NEW_CARD:
                cast.save_card(customers["bianchi"], GOOD)
            if day == NERI_RENEWS:
                order, _created = order_place_renewal(service_id=services["neri"].pk, actor=customers["neri"].user)
                transfer_register(order=order, operator=SYSTEM)
            if day == OPERATOR_CEASES:
                service_cease(service_id=services["verdi"].pk, actor=cast.operator())
            run_day(day)
        day += datetime.timedelta(days=1)
    for service in services.values():
        service.refresh_from_db()
    return services


KINDS_OF_SERVICE = ["rossi", "bianchi", "verdi", "neri"]
EXPECTED = collections.Counter(
    {
        # reminders 90 and 60 days before; at 30 the order is placed and paid at once
        ("rossi", "reminder"): 2,
        ("rossi", "order placed"): 1,
        ("rossi", "paid"): 1,
        # the 30-day reminder goes out the day the order is placed and declined; retried at 15
        # (declined again), paid at 7 on the new card
        ("bianchi", "reminder"): 3,
        ("bianchi", "order placed"): 1,
        ("bianchi", "declined"): 2,
        ("bianchi", "paid"): 1,
        # every reminder; declined when placed and at each of the three retries
        ("verdi", "reminder"): 5,
        ("verdi", "order placed"): 1,
        ("verdi", "declined"): 4,
        ("verdi", "expired"): 1,
        ("verdi", "suspended"): 1,
        ("verdi", "ceased"): 1,
        # every reminder, then the state changes, then the renewal paid by transfer
        ("neri", "reminder"): 5,
        ("neri", "expired"): 1,
        ("neri", "suspended"): 1,
        ("neri", "order placed"): 1,
        ("neri", "transfer"): 1,
    }
)


def assert_the_year(services, inbox):
    assert received(inbox) == EXPECTED
    rossi, bianchi, verdi, neri = (services[name] for name in KINDS_OF_SERVICE)
    assert (rossi.status, rossi.expires_on) == (Status.ACTIVE, D(2028, 3, 10))
    assert (bianchi.status, bianchi.expires_on) == (Status.ACTIVE, D(2028, 3, 10))
    assert (verdi.status, verdi.expires_on) == (Status.CEASED, EXPIRES_ON)
    assert (neri.status, neri.expires_on) == (Status.ACTIVE, D(2028, 5, 2))  # a year from the payment
    for name, paid in [("rossi", 1), ("bianchi", 1), ("verdi", 0), ("neri", 1)]:
        renewals = Order.objects.filter(service=services[name], kind=Order.Kind.RENEWAL)
        assert renewals.count() == 1, name
        assert renewals.filter(status=Order.Status.ACTIVE).count() == paid, name
    assert (
        Order.objects.get(service=verdi, kind=Order.Kind.RENEWAL).status == Order.Status.CANCELLED
    )  # by the cessation


@pytest.mark.django_db(transaction=True)  # every mail leaves after a real commit, as in production
@pytest.mark.parametrize("runs_a_day", [1, 2])
def test_a_year_of_daily_runs_sends_every_mail_once(inbox, plan, runs_a_day):
    def run_day(day):
        for _ in range(runs_a_day):
            daily_run(day)

    assert_the_year(walk(inbox, plan, run_day), inbox)


@pytest.mark.django_db(transaction=True)
def test_a_year_of_two_runs_at_once_doubles_nothing(inbox, plan):
    skip_unless_postgresql()

    def run_day(day):
        all_at_once(lambda _i: daily_run(day), 2, refused=())

    assert_the_year(walk(inbox, plan, run_day), inbox)
