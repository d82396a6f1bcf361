"""What confirming a payment costs, with its invoice: one after another, and from 8 threads.

    make bench                         # SQLite, in var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench

A confirmation locks the order, activates the service, takes the next invoice number (the
yearly sequence's row lock, held to the commit), writes the invoice and its FatturaPA and
validates it against the XSD. Mail is queued (dummy backend), not sent. It also times the XSD
validation and the PDF alone, and checks that the numbers have no gaps.
"""

import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var/bench.sqlite3'}")
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from audit.actors import SYSTEM  # noqa: E402
from bench import cast  # noqa: E402
from billing import fatturapa, pdf  # noqa: E402
from billing.models import Invoice  # noqa: E402
from orders.services import order_place_first_purchase  # noqa: E402
from payments.services import payment_confirm  # noqa: E402

ORDERS = 200
THREADS = 8


def orders(count: int):
    customer = cast.customer(f"bench-pay-{uuid.uuid4().hex[:8]}@example.com", "Bench Pagamenti S.r.l.")
    plan = cast.plan()
    return [order_place_first_purchase(customer=customer, plan=plan, actor=SYSTEM) for _ in range(count)]


def confirm(order) -> None:
    payment_confirm(
        order_number=order.number,
        provider="sandbox",
        provider_payment_id=f"bench-{order.number}",
        amount=order.total,
        currency=order.currency,
        actor=SYSTEM,
    )


def confirm_share(batch) -> None:
    """One thread's share, on the thread's own connection."""
    try:
        for order in batch:
            confirm(order)
    finally:
        connection.close()


def run(batch, threads: int) -> float:
    start = time.perf_counter()
    if threads == 1:
        for order in batch:
            confirm(order)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(confirm_share, [batch[i::threads] for i in range(threads)]))
    return time.perf_counter() - start


def median_ms(action, times=20) -> float:
    timings = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main():
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {ORDERS} payments confirmed, each with its invoice")
    for threads in (1, THREADS):
        batch = orders(ORDERS)
        seconds = run(batch, threads)
        print(f"{threads:>2} thread(s): {ORDERS / seconds:7.1f} payments/s, {seconds / ORDERS * 1000:6.1f} ms each")
    invoice = Invoice.objects.latest("pk")
    sequences = sorted(Invoice.objects.filter(year=invoice.year).values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1)), "invoice numbers have a gap or a duplicate"
    print(f"invoice numbers: {len(sequences)} this year, consecutive, none repeated")
    print(f"FatturaPA XSD validation: {median_ms(lambda: fatturapa.validation_errors(invoice.xml)):6.2f} ms (median)")
    print(f"invoice PDF rendering:    {median_ms(lambda: pdf.render(invoice)):6.2f} ms (median)")


if __name__ == "__main__":
    main()
