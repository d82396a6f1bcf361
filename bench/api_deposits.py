"""Deposits per second through the API against the panel's service function: the API's overhead.

    .venv/bin/python bench/api_deposits.py                      # SQLite, var/bench-api.sqlite3, made anew
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/api_deposits.py
    BENCH_DEPOSITS=800 .venv/bin/python bench/api_deposits.py   # 400 deposits a side unless told

It makes two active services (one a side, so each starts empty), an API key for the first, and
starts gunicorn as `manage.py serve` does (production settings, its workers and threads, on
loopback, the rate limit raised out of the way). Then 8 threads deposit BENCH_DEPOSITS small PDFs
a side, each a one-file package with content of its own (a service keeps a content once), after an
uncounted round of one each: through POST /api/v1/packages, each thread on its own keep-alive
connection, and through archive.services.deposit_submit in this process. Every API answer must be a 201: a run with any
other is refused, not reported. The table gives deposits per second, the ratio of the API's rate
to the direct one, and p50/p99 of one deposit. On SQLite the writers take turns, one at a time:
that is what it measures there.
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="conserva-bench-api-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var/bench-api.sqlite3'}")
os.environ.setdefault("CONSERVA_LOG_LEVEL", "WARNING")
os.environ["CONSERVA_ARCHIVE_ROOT"] = str(WORK / "archive")  # the server's and this process's blobs
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
# Keys are hashed with a secret derived from the secret key: the one this process makes a key with
# must be the server's.
os.environ["CONSERVA_SECRET_KEY"] = "bench-" + "k3yZ" * 14

CLIENTS = 8
DEPOSITS = int(os.environ.get("BENCH_DEPOSITS", 400))
BOUNDARY = "conserva-bench-boundary"

from bench.database import fresh_database  # noqa: E402
from bench.server import free_port, start_server  # noqa: E402

fresh_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from api.services import api_key_create  # noqa: E402
from archive.models import Document  # noqa: E402
from archive.services import deposit_submit  # noqa: E402
from audit.actors import SYSTEM  # noqa: E402
from bench import cast  # noqa: E402
from orders.services import order_place_first_purchase  # noqa: E402
from payments.transfers import transfer_register  # noqa: E402
from subscriptions.models import Service  # noqa: E402


@dataclass
class Run:
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, cut: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[cut - 1]


# The data


def active_service(email: str) -> Service:
    customer = cast.customer(email, "Bench API S.r.l.")
    order = order_place_first_purchase(customer=customer, plan=cast.plan(), actor=SYSTEM)
    transfer_register(order=order, operator=SYSTEM)
    return Service.objects.select_related("customer__user").get(pk=order.service_id)


def small_pdf(text: str) -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode() * 40  # about 2 KB
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream\n%%EOF\n"
    )


def metadata_of(name: str) -> dict[str, dict[str, str]]:
    return {name: {"oggetto": f"Verbale {name}", "data": "2026-03-01"}}


def package_form(name: str, data: bytes) -> bytes:
    """POST /api/v1/packages's multipart body: the class, the metadata as JSON and the one file."""

    def part(field: str, value: bytes, filename: str = "") -> bytes:
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
        kind = "application/pdf" if filename else "text/plain; charset=utf-8"
        return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: {kind}\r\n\r\n".encode() + value

    parts = [
        part("document_class", b"documento-generico"),
        part("metadata", json.dumps(metadata_of(name)).encode()),
        part("files", data, filename=name),
    ]
    return b"\r\n".join(parts) + f"\r\n--{BOUNDARY}--\r\n".encode()


# The clients


def in_threads(client: Callable[[range], list[float]], first: int, count: int) -> Run:
    """Documents first … first + count - 1 shared among CLIENTS threads; the wall time and each latency."""
    shares = [range(first + index, first + count, CLIENTS) for index in range(CLIENTS)]
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        latencies = [latency for share in pool.map(client, shares) for latency in share]
    return Run(time.perf_counter() - start, latencies)


def api_client(port: int, secret: str) -> Callable[[range], list[float]]:
    headers = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "X-Forwarded-Proto": "https",  # as behind the TLS proxy: production redirects plain HTTP
    }

    def client(numbers: range) -> list[float]:
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        latencies = []
        for number in numbers:
            name = f"api-{number:06d}.pdf"
            body = package_form(name, small_pdf(f"Documento API {number}"))
            started = time.perf_counter()
            conn.request("POST", "/api/v1/packages", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 201:
                raise SystemExit(f"refused: {name} answered {response.status}: {answer[:300]!r}")
        conn.close()
        return latencies

    return client


def direct_client(service: Service) -> Callable[[range], list[float]]:
    def client(numbers: range) -> list[float]:
        latencies = []
        try:
            for number in numbers:
                name = f"direct-{number:06d}.pdf"
                upload = SimpleUploadedFile(name, small_pdf(f"Documento diretto {number}"))
                started = time.perf_counter()
                deposit_submit(
                    service_id=service.pk,
                    document_class_code="documento-generico",
                    files=[upload],
                    metadata=metadata_of(name),
                    actor=service.customer.user,  # as the panel does
                )
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()  # this thread's own
        return latencies

    return client


def measure(client: Callable[[range], list[float]], service: Service) -> Run:
    """A round of one deposit a thread (connections opened, code warmed), then the measured one."""
    in_threads(client, DEPOSITS, CLIENTS)
    run = in_threads(client, 0, DEPOSITS)
    kept = Document.objects.filter(service=service).count()
    if kept != DEPOSITS + CLIENTS:
        raise SystemExit(f"refused: the service keeps {kept} documents, not {DEPOSITS + CLIENTS}")
    return run


def main() -> None:
    call_command("migrate", verbosity=0)
    api_service = active_service("bench-api@example.com")
    direct_service = active_service("bench-direct@example.com")
    _key, secret = api_key_create(
        service_id=api_service.pk,
        name="bench",
        may_deposit=True,
        may_read=True,
        actor=api_service.customer.user,
    )
    port = free_port()
    server = start_server(
        port,
        WORK,
        workers=settings.SERVE_WEB_WORKERS,
        threads=settings.SERVE_WEB_THREADS,
        env={"CONSERVA_API_RATE_LIMIT": "1000000"},  # the limit's counting stays in the measure, its 429s do not
    )
    try:
        api = measure(api_client(port, secret), api_service)
        direct = measure(direct_client(direct_service), direct_service)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(WORK, ignore_errors=True)
    workers, threads = settings.SERVE_WEB_WORKERS, settings.SERVE_WEB_THREADS
    print(f"{connection.vendor}, {CLIENTS} clients, one ~2 KB PDF a package; {os.cpu_count()} cores")
    print(f"API: gunicorn {workers} workers × {threads} threads; direct: deposit_submit in {CLIENTS} threads")
    print(
        f"{'path':<7} {'deposits':>8} {'seconds':>8} {'deposits/s':>10} {'API/direct':>10} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for path, run in (("API", api), ("direct", direct)):
        ratio = run.per_second / direct.per_second
        print(
            f"{path:<7} {len(run.latencies_ms):>8} {run.seconds:>8.1f} {run.per_second:>10.1f} {ratio:>10.2f} "
            f"{run.percentile(50):>7.1f} {run.percentile(99):>7.1f}"
        )


if __name__ == "__main__":
    main()
