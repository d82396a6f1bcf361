"""A provider's database at scale: 100,000 customers, 150,000 services and 1,000,000 orders (with
their lines and an invoice for each paid one), for the page table and the other benchmarks to run
on what production looks like rather than on an empty database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_big .venv/bin/python bench/big_base.py
    BIG_CUSTOMERS=10000 .venv/bin/python bench/big_base.py          # a tenth, on SQLite

The database is made anew (on PostgreSQL the database named in DATABASE_URL is dropped and
created: never point it at one you keep). Rows go in by bulk inserts, a batch a transaction, and
look like the real ones: each service its first purchase and a renewal a year (paid, by card or
transfer), a space increase now and then, a few cancelled or waiting; every paid order has its
invoice, with the XML of a real one made through the billing code. Every customer signs in with
the password BIG_PASSWORD below; `big-1@example.com` … `big-N@example.com`.
"""

import datetime
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var/bench-big.sqlite3'}")
os.environ.setdefault("CONSERVA_LOG_LEVEL", "WARNING")
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # mail is queued, not sent

from bench.database import fresh_database  # noqa: E402

fresh_database()

import django  # noqa: E402

django.setup()

CUSTOMERS = int(os.environ.get("BIG_CUSTOMERS", 100_000))
SERVICES = CUSTOMERS * 3 // 2
ORDERS = CUSTOMERS * 10
BIG_PASSWORD = "big-base-password-long-enough"  # noqa: S105 (a throw-away benchmark database)
BATCH = 10_000
TODAY = datetime.date(2026, 12, 6)
VAT_RATE = Decimal("22.00")

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Customer, User  # noqa: E402
from bench import cast  # noqa: E402
from billing.models import Invoice  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402
from subscriptions.models import Service  # noqa: E402

Status = Service.Status


def in_batches(model, rows):
    """Inserts the rows a batch a transaction; returns them with their keys."""
    made = []
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            made += model.objects.bulk_create(rows[start : start + BATCH])
    return made


def make_customers(password_hash: str) -> list[Customer]:
    now = datetime.datetime.combine(TODAY, datetime.time(9), tzinfo=datetime.UTC)
    users = in_batches(
        User,
        [User(email=f"big-{n}@example.com", password=password_hash, email_verified_at=now) for n in range(CUSTOMERS)],
    )
    return in_batches(
        Customer,
        [
            Customer(
                user=user,
                company_name=f"Studio {n} S.r.l.",
                vat_number=f"{n:011d}",
                address=f"Via Roma {n % 300 + 1}",
                postcode="52100",
                city="Arezzo",
                province="AR",
                sdi_code="M5UXCR1",
            )
            for n, user in enumerate(users)
        ],
    )


def service_status(rng: random.Random) -> str:
    return rng.choices([Status.ACTIVE, Status.EXPIRED, Status.SUSPENDED, Status.CEASED], [88, 4, 3, 5])[0]


def make_services(customers: list[Customer], plan) -> list[Service]:
    rng = random.Random(1)  # noqa: S311 (the same made-up data each time, no secret)
    rows = []
    for n in range(SERVICES):
        status = service_status(rng)
        started = TODAY - datetime.timedelta(days=rng.randrange(1, 365 * 5))
        years = (TODAY - started).days // 365 + (1 if status == Status.ACTIVE else 0)
        expires_on = started + datetime.timedelta(days=365 * max(years, 1))
        rows.append(
            Service(
                customer=customers[n % len(customers)],
                plan=plan,
                status=status,
                panel_username=f"big{n:07d}",
                public_id=uuid.uuid4(),
                term_started_on=expires_on - datetime.timedelta(days=365),
                expires_on=expires_on,
                quota_bytes=plan.quota_bytes,
                used_bytes=rng.randrange(plan.quota_bytes),
                auto_renew=rng.random() < 0.3,
            )
        )
    return in_batches(Service, rows)


def order_kinds(rng: random.Random, service: Service, count: int) -> list[tuple[str, str, datetime.date]]:
    """(kind, status, day) of a service's orders: its first purchase, then renewals and space."""
    started = service.term_started_on or TODAY
    first = started - datetime.timedelta(days=365 * (count // 2))
    orders = [(Order.Kind.FIRST_PURCHASE, Order.Status.ACTIVE, first)]
    for index in range(1, count):
        day = min(first + datetime.timedelta(days=index * 365 // 2 + rng.randrange(30)), TODAY)
        kind = Order.Kind.RENEWAL if index % 2 == 0 else Order.Kind.SPACE_INCREASE
        status = rng.choices([Order.Status.ACTIVE, Order.Status.CANCELLED], [9, 1])[0]
        orders.append((kind, status, day))
    if service.status == Status.ACTIVE and rng.random() < 0.05:  # a renewal still waiting for its payment
        orders.append((Order.Kind.RENEWAL, Order.Status.AWAITING_PAYMENT, TODAY - datetime.timedelta(days=3)))
    return orders


def make_orders(services: list[Service], plan) -> list[Order]:
    rng = random.Random(2)  # noqa: S311 (the same made-up data each time, no secret)
    rows: list[Order] = []
    per_service = ORDERS // len(services)
    extra = ORDERS - per_service * len(services)
    for n, service in enumerate(services):
        for kind, status, day in order_kinds(rng, service, per_service + (1 if n < extra else 0)):
            moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
            net = plan.price_net if kind != Order.Kind.SPACE_INCREASE else Decimal("40.00")
            vat = (net * VAT_RATE / 100).quantize(Decimal("0.01"))
            card = rng.random() < 0.7
            rows.append(
                Order(
                    number=f"{day.year}-{len(rows) + 1:07d}",
                    customer_id=service.customer_id,
                    service=service,
                    kind=kind,
                    status=status,
                    payment_method=Order.PaymentMethod.CARD if card else Order.PaymentMethod.TRANSFER,
                    plan=plan,
                    extra_bytes=0 if kind != Order.Kind.SPACE_INCREASE else 10 * 1024**3,
                    net=net,
                    vat_rate=VAT_RATE,
                    vat=vat,
                    total=net + vat,
                    created_at=moment,
                    paid_at=moment + datetime.timedelta(minutes=5) if status == Order.Status.ACTIVE else None,
                    cancelled_at=moment + datetime.timedelta(days=2) if status == Order.Status.CANCELLED else None,
                )
            )
    return in_batches(Order, rows)


def make_lines(orders: list[Order]) -> None:
    in_batches(
        OrderLine,
        [
            OrderLine(
                order=order,
                position=1,
                kind=OrderLine.Kind.SPACE if order.extra_bytes else OrderLine.Kind.PLAN,
                size_bytes=order.extra_bytes,
                yearly_price_net=order.net,
                net=order.net,
            )
            for order in orders
        ],
    )


def make_invoices(orders: list[Order], customers: dict[int, Customer], sample: Invoice) -> None:
    rows = []
    for sequence, order in enumerate((order for order in orders if order.paid_at), start=1):
        customer = customers[order.customer_id]
        issued_on = order.paid_at.date()
        rows.append(
            Invoice(
                kind=Invoice.Kind.INVOICE,
                year=issued_on.year,
                sequence=sequence,
                number=f"B{sequence:08d}",
                issued_on=issued_on,
                customer=customer,
                order=order,
                payment_means=Invoice.PaymentMeans.CARD
                if order.payment_method == Order.PaymentMethod.CARD
                else Invoice.PaymentMeans.TRANSFER,
                customer_kind=customer.kind,
                customer_name=customer.company_name,
                customer_vat_number=customer.vat_number,
                customer_address=customer.address,
                customer_postcode=customer.postcode,
                customer_city=customer.city,
                customer_province=customer.province,
                customer_country=customer.country,
                customer_sdi_code=customer.sdi_code,
                net=order.net,
                vat=order.vat,
                total=order.total,
                currency=order.currency,
                xml=sample.xml,  # a real FatturaPA document's size; its content is the sample's
            )
        )
    in_batches(Invoice, rows)


def sample_invoice(plan) -> Invoice:
    """One invoice made the real way (an order paid by transfer), whose XML the others carry."""
    from audit.actors import SYSTEM
    from orders.services import order_place_first_purchase
    from payments.transfers import transfer_register

    customer = cast.customer("big-sample@example.com", "Campione S.r.l.")
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    transfer_register(order=order, operator=SYSTEM)
    return Invoice.objects.get(order=order)


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    plan = cast.plan()
    sample = sample_invoice(plan)
    customers = make_customers(make_password(BIG_PASSWORD))
    services = make_services(customers, plan)
    orders = make_orders(services, plan)
    make_lines(orders)
    make_invoices(orders, {customer.pk: customer for customer in customers}, sample)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {
        "customers": Customer.objects.count(),
        "services": Service.objects.count(),
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
    }
    made = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    print(f"{connection.vendor}: {made} in {time.perf_counter() - started:.0f} s")
    print(f"sign in as big-1@example.com … big-{CUSTOMERS}@example.com with the password {BIG_PASSWORD!r}")


if __name__ == "__main__":
    main()
