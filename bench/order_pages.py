"""How the service page and the order list scale with the number of orders.

    make bench                         # SQLite, in var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench

For 10, 1,000 and 20,000 orders of one customer it prints the SQL queries per page (which
must not grow) and the median time of 20 requests through Django's test client.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var/bench.sqlite3'}")
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # mail is queued, not sent

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from audit.actors import SYSTEM  # noqa: E402
from bench import cast  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.services import order_place_first_purchase  # noqa: E402
from payments.transfers import transfer_register  # noqa: E402

SIZES = [10, 1_000, 20_000]
REQUESTS = 20


def customer_with_orders(count: int):
    email = f"bench-{count}@example.com"
    User.objects.filter(email=email).exists() and sys.exit(f"{email} exists: delete var/bench.sqlite3 first")
    customer = cast.customer(email, f"Bench {count}")
    plan = cast.plan()
    first = order_place_first_purchase(customer=customer, plan=plan, actor=SYSTEM)
    transfer_register(order=first, operator=SYSTEM)
    template = Order.objects.get(pk=first.pk)
    copies = []
    for i in range(count - 1):
        template.pk, template.number, template.status, template.kind = None, f"B{count}-{i}", "ANNULLATO", "RINNOVO"
        copies.append(Order(**{f.attname: getattr(template, f.attname) for f in Order._meta.concrete_fields}))
    Order.objects.bulk_create(copies, batch_size=2000)
    return customer, first.service


def measure(client: Client, url: str) -> tuple[int, float]:
    client.get(url)  # warm up (session write, template cache)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # read now: later requests clear the connection's query log
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    return queries, statistics.median(timings) * 1000


def main():
    # One persistent connection, as with CONSERVA_DB_CONN_MAX_AGE in production; it also keeps
    # the query log between the request's signals.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; median of {REQUESTS} requests")
    print(f"{'orders':>8} | {'service page':>22} | {'order list':>22}")
    for size in SIZES:
        customer, service = customer_with_orders(size)
        client = Client()
        client.force_login(customer.user)
        service_queries, service_ms = measure(client, service.get_absolute_url())
        list_queries, list_ms = measure(client, "/ordini/")
        service_figures = f"{service_queries:>3} queries {service_ms:>7.1f} ms"
        print(f"{size:>8} | {service_figures} | {list_queries:>3} queries {list_ms:>7.1f} ms")


if __name__ == "__main__":
    main()
