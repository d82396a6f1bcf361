"""The page table: each customer page's speed against an empty view, under the production server.

    .venv/bin/python bench/pages.py                      # SQLite, var/bench-pages.sqlite3, made anew
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages .venv/bin/python bench/pages.py
    BENCH_KEEP_DATABASE=1 DATABASE_URL=…/bench_big .venv/bin/python bench/pages.py   # on bench/big_base.py's

It makes three customers with 10, 1,000 and 20,000 orders (each paid order with its invoice, a
renewal waiting to be paid, a few documents in the panel), starts gunicorn as `manage.py serve`
does (production settings, 2 workers, on loopback), signs each customer in through the real login
form and enters the panel by its one-time link, then, for each page, alternates runs of an empty
view (signed in: the same middleware and session) with runs of the page, at 16 connections (wrk
when installed, else a load generator in Python). Every answer must be a 200 carrying the page's
own text: a run with any other answer (a redirect to the login page, an error) is refused, not
reported. The table gives requests per second, the ratio to the empty view of the same pairs,
p50/p99, the SQL queries of one request (served again by lib.page_cache / rendered) and the
response's size. With BENCH_PAGE_CACHE=0 the server keeps no page: every request renders it.
"""

import os
import re
import shutil
import statistics
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="conserva-bench-pages-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var/bench-pages.sqlite3'}")
os.environ.setdefault("CONSERVA_LOG_LEVEL", "WARNING")
os.environ["CONSERVA_ARCHIVE_ROOT"] = str(WORK / "archive")  # the server reads the documents made here
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # mail is queued, not sent

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10,1000,20000").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", 3))
PAIRS = int(os.environ.get("BENCH_PAIRS", 2))
PAGE_CACHE = os.environ.get("BENCH_PAGE_CACHE", "1") != "0"
CONNECTIONS = 16
DOCUMENTS = 20
PASSWORD = "bench-password-long-enough"  # noqa: S105 (a throw-away benchmark database)

from bench.database import fresh_database  # noqa: E402
from bench.server import free_port, start_server  # noqa: E402

if not os.environ.get("BENCH_KEEP_DATABASE"):
    fresh_database()

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from archive.models import Document  # noqa: E402
from archive.services import deposit_submit  # noqa: E402
from audit.actors import SYSTEM  # noqa: E402
from bench import cast  # noqa: E402
from billing.models import Invoice  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.services import order_place_first_purchase, order_place_renewal  # noqa: E402
from payments.transfers import transfer_register  # noqa: E402


@dataclass
class Page:
    name: str
    path: str
    marker: str  # text only the page itself carries: a login page or an error never has it


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


# The data


def customer_with_orders(count: int):
    """A customer whose service has `count` orders: the first purchase and paid renewals, each
    with its invoice (copies of the first one's), a renewal waiting, and documents in the panel."""
    email = f"bench-pages-{count}@example.com"
    customer = cast.customer(email, f"Studio Bench {count} S.r.l.")
    plan = cast.plan()
    first = order_place_first_purchase(customer=customer, plan=plan, actor=SYSTEM)
    transfer_register(order=first, operator=SYSTEM)
    first.refresh_from_db()
    invoice = Invoice.objects.get(order=first)
    orders, invoices = [], []
    fields = [field.attname for field in Order._meta.concrete_fields if field.attname != "id"]
    for index in range(count - 2):
        copy = Order(**{name: getattr(first, name) for name in fields})
        copy.number, copy.kind = f"B{count}-{index:06d}", Order.Kind.RENEWAL
        orders.append(copy)
    with transaction.atomic():
        orders = Order.objects.bulk_create(orders, batch_size=2000)
        invoice_fields = [field.attname for field in Invoice._meta.concrete_fields if field.attname != "id"]
        for index, order in enumerate(orders):
            copy = Invoice(**{name: getattr(invoice, name) for name in invoice_fields})
            copy.public_id, copy.order_id = uuid.uuid4(), order.pk
            copy.sequence, copy.number = 1_000_000 + count * 100 + index, f"B{count}/{index:06d}"
            invoices.append(copy)
        Invoice.objects.bulk_create(invoices, batch_size=2000)
    service = first.service
    waiting = order_place_renewal(service_id=service.pk, actor=customer.user)[0]
    files = [
        SimpleUploadedFile(f"fattura-{count}-{n}.xml", invoice.xml.replace("</", f"<!-- {n} --></", 1).encode())
        for n in range(DOCUMENTS)
    ]
    deposit_submit(service_id=service.pk, document_class_code="fattura-passiva", files=files, actor=customer.user)
    document = Document.objects.filter(deposit__service=service).first()  # the first on the search page
    newest_invoice = Invoice.objects.filter(customer=customer).first()  # the first on the invoices' page
    return email, service, waiting, newest_invoice, document


def pages_of(service, waiting, invoice, document) -> list[Page]:
    panel = f"/pannello/{service.public_id}"
    return [
        Page("I miei servizi", "/", str(service.panel_username)),
        Page("service page", service.get_absolute_url(), str(service.panel_username)),
        Page("orders", "/ordini/", waiting.number),
        Page("invoices", "/fatture/", invoice.number),
        Page("pay page", f"/ordini/{waiting.number}/paga/", waiting.number),
        Page("panel search", f"{panel}/archivio/", document.name),
        Page("panel document", f"{panel}/archivio/{document.public_id}/", document.sha256),
    ]


def queries_of(email: str, service, pages: list[Page]) -> dict[str, str]:
    """The SQL queries of one request to each page, counted in this process: served again, then
    rendered (as "2/6"; one figure for a page lib.page_cache does not keep)."""
    from django.core.cache import caches

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    enter_panel(lambda method, path, data=None: _client_call(client, method, path, data), service)
    counts = {}
    for page in pages:
        client.get(page.path)  # the first one fills the caches
        served, rendered = _queries(client, page), _queries(client, page, forget=caches["pages"])
        counts[page.name] = f"{served}/{rendered}" if served != rendered else str(served)
    return counts


def _queries(client: Client, page: Page, forget=None) -> int:
    if forget is not None:
        forget.clear()
    queries: list[str] = []
    with connection.execute_wrapper(_counting_into(queries)):
        response = client.get(page.path)
    assert response.status_code == 200, (page.path, response.status_code)
    return len(queries)


def _counting_into(queries: list[str]):
    """An execute wrapper that notes each query (CaptureQueriesContext's log is reset by each request)."""

    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def _client_call(client: Client, method: str, path: str, data=None):
    response = client.post(path, data or {}) if method == "POST" else client.get(path)
    return response.status_code, response.get("Location", ""), response.content.decode()


# The server


class Browser:
    """One signed-in client of the production server over HTTP: cookies kept, behind TLS as a
    proxy says (X-Forwarded-Proto), the CSRF token sent with each form as a browser does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"X-Forwarded-Proto": "https", "Cookie": cookie, "Origin": f"https://127.0.0.1:{self.port}"}

    def __call__(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = self.headers()
        body = None
        if method == "POST":
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **(data or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        location = urllib.parse.urlsplit(response.getheader("Location", "")).path
        return response.status, location, response.read().decode()

    def sign_in(self, email: str) -> None:
        self("GET", "/account/accedi/")  # the CSRF cookie
        status, location, _body = self("POST", "/account/accedi/", {"username": email, "password": PASSWORD})
        if status != 302 or location.startswith("/account/accedi"):
            raise SystemExit(f"signing in as {email} failed: {status} {location}")


def enter_panel(call, service) -> None:
    """S5: "Accedi al Pannello", then the one-time link's button."""
    status, location, _body = call("POST", f"/pannello/{service.public_id}/entra/")
    assert status == 302 and "/pannello/entra/" in location, (status, location)
    status, location, _body = call("POST", location)
    assert status == 302, (status, location)


# The load

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; marker = args[1] end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, marker, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("BAD %d\\n", total))
end
"""


def load_with_wrk(port: int, page: Page, headers: dict[str, str]) -> tuple[Run, int]:
    script = WORK / "check.lua"
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS:g}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}{page.path}", "--", page.marker]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50, p99 = (_wrk_ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1)) for p in ("50", "99"))
    bad = int(re.search(r"BAD (\d+)", output).group(1))
    return Run(rate, p50, p99), bad


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load_with_python(port: int, page: Page, headers: dict[str, str]) -> tuple[Run, int]:
    """wrk's job in threads: CONNECTIONS keep-alive connections for SECONDS."""
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client() -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        mine, wrong = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", page.path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode()
            mine.append((time.perf_counter() - started) * 1000)
            wrong += response.status != 200 or page.marker not in body
        with lock:
            latencies.extend(mine)
            bad[0] += wrong

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return Run(len(latencies) / SECONDS, statistics.median(latencies), cuts[98]), bad[0]


def load(port: int, page: Page, browser: Browser) -> Run:
    headers = {key: value for key, value in browser.headers().items() if key != "Origin"}
    run, bad = (load_with_wrk if shutil.which("wrk") else load_with_python)(port, page, headers)
    if bad:
        raise SystemExit(f"refused: {bad} answers of {page.name} ({page.path}) were not a 200 with its own text")
    return run


def measure(port: int, page: Page, empty: Page, browser: Browser) -> tuple[Run, float]:
    """PAIRS pairs of runs, the empty view then the page: the page's mean and its ratio."""
    for each in (empty, page):
        status, _location, body = browser("GET", each.path)
        if status != 200 or each.marker not in body:
            raise SystemExit(f"refused: {each.path} answered {status} without its own text")
    empties, runs = [], []
    for _ in range(PAIRS):
        empties.append(load(port, empty, browser))
        runs.append(load(port, page, browser))
    mean = Run(*(statistics.mean(getattr(run, field) for run in runs) for field in Run.__dataclass_fields__))
    ratio = mean.requests_per_second / statistics.mean(run.requests_per_second for run in empties)
    return mean, ratio


def main() -> None:
    call_command("migrate", verbosity=0)
    made = []
    for size in SIZES:
        email, service, waiting, invoice, document = customer_with_orders(size)
        made.append((size, email, service, pages_of(service, waiting, invoice, document)))
    port = free_port()
    server = start_server(
        port,
        WORK,
        workers=2,
        threads=8,
        env={
            "CONSERVA_BENCH_EMPTY_VIEW": "1",
            "CONSERVA_SECRET_KEY": "bench-" + "k3yZ" * 14,
            **({} if PAGE_CACHE else {"CONSERVA_PAGE_CACHE_SECONDS": "0"}),
        },
    )
    tool = "wrk" if shutil.which("wrk") else "a Python load generator"
    print(f"{connection.vendor}, gunicorn 2 workers × 8 threads, {CONNECTIONS} connections ({tool}), ")
    print(f"{PAIRS} pairs of {SECONDS:g} s runs alternating with the empty view; {os.cpu_count()} cores")
    print("pages kept and served again (lib.page_cache)" if PAGE_CACHE else "no page kept: each request renders it")
    print(
        f"{'orders':>7} {'page':<16} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7} {'bytes':>7}"
    )
    try:
        for size, email, service, pages in made:
            browser = Browser(port)
            browser.sign_in(email)
            enter_panel(browser, service)
            counts = queries_of(email, service, pages)
            empty = Page("empty view", "/bench/vuota/", "vuota")
            for page in pages:
                run, ratio = measure(port, page, empty, browser)
                size_bytes = len(browser("GET", page.path)[2].encode())
                print(
                    f"{size:>7} {page.name:<16} {run.requests_per_second:>7.0f} {ratio:>6.2f} "
                    f"{run.p50_ms:>7.1f} {run.p99_ms:>7.1f} {counts[page.name]:>7} {size_bytes:>7}"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
