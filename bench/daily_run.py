"""One daily run over 1,000,000 services, a few hundred of them due; then a day with 20,000 due.

    .venv/bin/python bench/daily_run.py                                   # SQLite, var/bench-daily.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_daily .venv/bin/python bench/daily_run.py

The database is made anew (on PostgreSQL the database named in DATABASE_URL is dropped and
created: never point it at one you keep). The services are inserted in bulk; the due ones are
set up so that each step of the run has real work: expiries, suspensions, automatic renewal
orders (no saved card: the order waits and the customer is mailed), and reminders at each
threshold. Mails are queued as task rows in the database (django-tasks-db), as in production; no
worker runs. It prints the run's time, its SQL query count and its per-step counts, and the plan
of each step's "due" query, to show that the cost follows what is due, not the number of services.
"""

import datetime
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var/bench-daily.sqlite3'}")
os.environ.setdefault("CONSERVA_EMAIL_FILE_PATH", str(ROOT / "var/bench-daily-mail"))
os.environ.setdefault("CONSERVA_LOG_LEVEL", "WARNING")  # a line per task queued would be the output

SERVICES = int(os.environ.get("BENCH_SERVICES", 1_000_000))
CUSTOMERS = 200
BATCH = 20_000
TODAY = datetime.date(2027, 6, 15)


from bench.database import fresh_database  # noqa: E402

fresh_database()

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from bench import cast  # noqa: E402
from lifecycle import periodic  # noqa: E402
from lifecycle.services import daily_run  # noqa: E402
from subscriptions.models import Service  # noqa: E402

Status = Service.Status
DAY = datetime.timedelta(days=1)


def services(count: int, *, customers, plan, start: int, **fields):
    """`count` services in bulk, fields as given (expires_on may be a function of the index)."""
    expires = fields.pop("expires_on")
    rows = []
    for i in range(start, start + count):
        expires_on = expires(i) if callable(expires) else expires
        rows.append(
            Service(
                customer_id=customers[i % len(customers)],
                plan=plan,
                panel_username=f"b{i:07d}",
                public_id=uuid.uuid4(),
                term_started_on=expires_on - datetime.timedelta(days=365),
                expires_on=expires_on,
                quota_bytes=plan.quota_bytes,
                **fields,
            )
        )
        if len(rows) == BATCH:
            Service.objects.bulk_create(rows)
            rows = []
    Service.objects.bulk_create(rows)
    return start + count


def make_base(customers, plan) -> int:
    """SERVICES services, none due today: most ATTIVO with expiries from 120 to 484 days on
    (a tenth renewing by themselves), some SCADUTO within their grace, SOSPESO, CESSATO."""
    active = SERVICES * 90 // 100
    next_index = services(
        active,
        customers=customers,
        plan=plan,
        start=0,
        status=Status.ACTIVE,
        auto_renew=False,
        expires_on=lambda i: TODAY + datetime.timedelta(days=120 + i % 365),
    )
    next_index = services(
        SERVICES // 20,
        customers=customers,
        plan=plan,
        start=next_index,
        status=Status.ACTIVE,
        auto_renew=True,
        expires_on=lambda i: TODAY + datetime.timedelta(days=120 + i % 365),
    )
    for status, first, span in [(Status.EXPIRED, 1, 28), (Status.SUSPENDED, 40, 40), (Status.CEASED, 200, 300)]:
        next_index = services(
            (SERVICES - next_index) // 3 if status != Status.CEASED else SERVICES - next_index,
            customers=customers,
            plan=plan,
            start=next_index,
            status=status,
            auto_renew=False,
            expires_on=lambda i, first=first, span=span: TODAY - datetime.timedelta(days=first + i % span),
        )
    return next_index


def make_due(customers, plan, start: int, day: datetime.date, scale: int) -> int:
    """scale × (expiring, due for suspension, automatic renewal, a reminder at each threshold)."""
    index = services(
        scale, customers=customers, plan=plan, start=start, status=Status.ACTIVE, auto_renew=False, expires_on=day - DAY
    )
    index = services(
        scale,
        customers=customers,
        plan=plan,
        start=index,
        status=Status.EXPIRED,
        auto_renew=False,
        expires_on=day - 31 * DAY,
    )
    index = services(
        scale,
        customers=customers,
        plan=plan,
        start=index,
        status=Status.ACTIVE,
        auto_renew=True,
        expires_on=day + 30 * DAY,
    )
    for days in (90, 60, 7, 1):
        index = services(
            scale,
            customers=customers,
            plan=plan,
            start=index,
            status=Status.ACTIVE,
            auto_renew=False,
            expires_on=day + days * DAY,
        )
    return index


def timed_run(day: datetime.date):
    tasks_before = DBTaskResult.objects.count()
    moment = datetime.datetime.combine(day, datetime.time(2, 0), tzinfo=datetime.UTC)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with time_machine.travel(moment, tick=True):
        started = time.perf_counter()
        with connection.execute_wrapper(count):  # not CaptureQueriesContext: its log keeps only 9,000
            run = daily_run(day)
        seconds = time.perf_counter() - started
    return run, seconds, queries, DBTaskResult.objects.count() - tasks_before


def plans(day: datetime.date) -> None:
    print(f"\nPlans of the due queries over {Service.objects.count():,} services ({connection.vendor}):")
    queries = {
        "expiry": Service.objects.due_to_expire(day),
        "suspension": Service.objects.due_for_suspension(day),
        "cessation (listed)": Service.objects.due_for_cessation(day),
        "automatic renewal": periodic.due_for_auto_renewal(day),
        "reminder": periodic.due_for_reminder(day),
        "retry": periodic.due_for_retry(day),
    }
    for name, queryset in queries.items():
        plan_text = queryset.order_by().values("pk").explain()
        print(f"--- {name}\n{plan_text}")


def report(label: str, run, seconds: float, queries: int, tasks: int, due: int) -> None:
    counts = ", ".join(f"{key} {value}" for key, value in run.counts().items() if value)
    print(
        f"{label}: {connection.vendor}, {Service.objects.count():,} services, {due:,} due -> "
        f"{seconds:.2f} s, {queries:,} queries, {tasks:,} task rows; {counts}; {run.get_outcome_display()}"
    )


def main() -> None:
    made = time.perf_counter()
    call_command("migrate", verbosity=0)
    customers = [cast.customer(f"bench-daily-{n}@example.com", f"Bench {n} S.r.l.").pk for n in range(CUSTOMERS)]
    plan = cast.plan()
    with transaction.atomic():
        index = make_base(customers, plan)
        index = make_due(customers, plan, index, TODAY, scale=50)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"made {Service.objects.count():,} services in {time.perf_counter() - made:.0f} s")

    plans(TODAY)
    run, seconds, queries, tasks = timed_run(TODAY)
    report("a day with 350 due", run, seconds, queries, tasks, 350)
    run, seconds, queries, tasks = timed_run(TODAY)
    report("the same day again", run, seconds, queries, tasks, 0)

    tomorrow = TODAY + DAY
    with transaction.atomic():
        make_due(customers, plan, index, tomorrow, scale=20_000 // 7)
    run, seconds, queries, tasks = timed_run(tomorrow)
    report(f"a day with {20_000 // 7 * 7:,} due", run, seconds, queries, tasks, 20_000 // 7 * 7)


if __name__ == "__main__":
    main()
