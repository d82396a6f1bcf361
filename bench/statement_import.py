"""What importing a large bank statement costs: 5,000 booked credits in one camt.053 file.

    make bench                         # SQLite, in var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench

A bank's statement mostly carries money that is not for us to match (other income, the odd
transfer naming no order); some credits pay waiting orders. Here 200 of the 5,000 pay an order
(each with its payment, its invoice and the FatturaPA validated against the XSD) and 4,800 go to
the operators' queue. It prints the time to read the file, to import it (all or nothing, in one
transaction) and to import it again (everything already imported).
"""

import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var/bench.sqlite3'}")
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import cast  # noqa: E402
from orders.services import order_choose_transfer, order_place_first_purchase  # noqa: E402
from payments.camt053 import parse  # noqa: E402
from payments.models import PaymentIssue  # noqa: E402
from payments.transfers import statement_import  # noqa: E402
from tests.payments import camt  # noqa: E402

ENTRIES = 5_000
PAYING = 200


def waiting_orders(count: int):
    customer = cast.customer(f"bench-camt-{uuid.uuid4().hex[:8]}@example.com", "Bench Estratti S.r.l.")
    plan = cast.plan()
    placed = [order_place_first_purchase(customer=customer, plan=plan, actor=customer.user) for _ in range(count)]
    return [order_choose_transfer(order_id=order.pk, actor=customer.user) for order in placed]


def statement(orders, run: str) -> bytes:
    entries = [camt.entry(f"{run}-P{n}", order.total, f"Ordine {order.number}") for n, order in enumerate(orders)]
    entries += [camt.entry(f"{run}-U{n}", "49.90", f"Fattura fornitore {n}") for n in range(ENTRIES - len(orders))]
    return camt.statement(*entries, statement_id=f"BENCH-{run}")


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main():
    call_command("migrate", verbosity=0)
    orders = waiting_orders(PAYING)
    run = uuid.uuid4().hex[:8]
    data = statement(orders, run)
    operator = cast.operator()
    read_seconds, parsed = timed(lambda: parse(data))
    import_seconds, summary = timed(lambda: statement_import(data=data, operator=operator))
    again_seconds, again = timed(lambda: statement_import(data=data, operator=operator))
    assert len(parsed.credits) == ENTRIES and len(summary.paid) == PAYING
    assert len(summary.queued) == ENTRIES - PAYING and again.already_imported == ENTRIES
    assert PaymentIssue.objects.filter(bank_entry__entry_ref__startswith=f"{run}-U").count() == ENTRIES - PAYING
    print(f"database: {connection.vendor}; {ENTRIES} credits, {PAYING} paying an order, {len(data) // 1024} KiB")
    print(f"read {read_seconds:.2f} s | import {import_seconds:.2f} s | import again {again_seconds:.2f} s")


if __name__ == "__main__":
    main()
