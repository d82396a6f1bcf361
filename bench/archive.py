"""What the archive costs: one large file, many small ones, and search over a million documents.

    make bench                         # SQLite, in var/bench.sqlite3: search is skipped
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_archive .venv/bin/python bench/archive.py

1. One 1 GB PDF deposited, in MB/s, against what the machine does with the same bytes: hashing them
   (hashlib.sha256) and writing them to disk (a copy, fsynced). A deposit does both, once, so the
   goal is at least 0.7 times the slower of the two. Also the deposit's peak memory.
2. 10,000 small documents, as 100 packages of 100 files each (what the panel's multi-file form
   sends): each package is one transaction and one receipt, each file one fsynced blob.
3. On PostgreSQL only: search (search_results, the panel's page of results with its count in the same query) over
   --rows documents of one service (default 1,000,000, built with bulk_create and kept for the next
   run), by VAT number, document number, keyword and date range; p50 and p99 of --searches each.
"""

import argparse
import datetime
import hashlib
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conserva.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var/bench.sqlite3'}")
os.environ["CONSERVA_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
WORK = Path(tempfile.mkdtemp(prefix="bench-archive-", dir=ROOT / "var"))  # the blobs and the source file
os.environ["CONSERVA_ARCHIVE_ROOT"] = str(WORK / "archive")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from archive.ingest.identify import identify  # noqa: E402
from archive.models import Deposit, Document, DocumentClass, DocumentKeyword, DocumentSubject  # noqa: E402
from archive.selectors import DocumentQuery, search_results  # noqa: E402
from archive.services import deposit_submit  # noqa: E402
from audit.actors import SYSTEM  # noqa: E402
from bench import cast  # noqa: E402
from orders.services import order_place_first_purchase  # noqa: E402
from payments.transfers import transfer_register  # noqa: E402
from subscriptions.models import Service  # noqa: E402

MB = 1024 * 1024
LARGE_BYTES = 1024 * MB
SMALL_PACKAGES, SMALL_PER_PACKAGE = 100, 100
GOAL_RATIO = 0.7
LARGE_ROUNDS = 3
GOAL_DOCUMENTS_PER_SECOND = 200


def active_service(email: str, storage_gb: int = 10) -> Service:
    customer = cast.customer(email, "Bench Archivio S.r.l.")
    plan = cast.plan()
    plan.storage_gb = max(plan.storage_gb, storage_gb)
    plan.save(update_fields=["storage_gb"])
    order = order_place_first_purchase(customer=customer, plan=plan, actor=SYSTEM)
    transfer_register(order=order, operator=SYSTEM)
    return Service.objects.get(pk=order.service_id)


def generic(subject_matter: str) -> dict[str, object]:
    return {"oggetto": subject_matter, "data": "2026-03-01"}


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# 1. One large file ------------------------------------------------------------------------------


def large_pdf(path: Path) -> None:
    """A one-page PDF whose content is one 1 GB stream, written 1 MB at a time from a random block,
    with its cross-reference table: deposit opens it as a PDF (pikepdf) and identifies it (PRONOM)."""
    block = random.Random(9).randbytes(MB)  # noqa: S311 (filler bytes, not a secret)
    with path.open("wb") as file:
        file.write(pdf_start(LARGE_BYTES))
        for _ in range(LARGE_BYTES // MB):
            file.write(block)
        file.write(pdf_end(file.tell(), LARGE_BYTES))


def pdf_start(length: int) -> bytes:
    """Up to the page's content stream, of `length` bytes."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"".join(PDF_OBJECTS) + b"4 0 obj\n<< /Length %d >>\nstream\n" % length


def pdf_end(written: int, length: int) -> bytes:
    """After the content stream: its end, the cross-reference table and the trailer."""
    offsets, position = [], len(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for item in PDF_OBJECTS:
        offsets.append(position)
        position += len(item)
    offsets.append(position)
    table = written + len(b"\nendstream\nendobj\n")
    rows = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return (
        b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n"
        + rows
        + b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % table
    )


PDF_OBJECTS = (
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n",
)


def hash_file(path: Path) -> None:
    with path.open("rb") as file:
        hashlib.file_digest(file, "sha256")


def copy_file(path: Path, target: Path) -> None:
    with path.open("rb") as source, target.open("wb") as copy:
        while chunk := source.read(MB):
            copy.write(chunk)
        copy.flush()
        os.fsync(copy.fileno())


def peak_rss_reset() -> bool:
    """Brings ru_maxrss, a high-water mark, down to the present size (Linux); False elsewhere."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def deposit_file(service: Service, path: Path) -> float:
    """Deposits `path`; gives the growth of the peak resident memory, in MB (once a first file was
    identified: siegfried loads its signatures once per process, about 80 MB)."""
    warm_up = WORK / "warm-up.pdf"
    warm_up.write_bytes(small_pdf(0))
    identify(warm_up, warm_up.name)
    exact = peak_rss_reset()
    before = peak_rss_bytes()
    with path.open("rb") as opened:
        deposit_submit(
            service_id=service.pk,
            document_class_code="documento-generico",
            files=[File(opened, name=path.name)],
            metadata={path.name: generic("Registro grande")},
            actor=SYSTEM,
        )
    return (peak_rss_bytes() - before) / MB if exact else float("nan")


def bench_large(run: str) -> None:
    """Each measure LARGE_ROUNDS times, in turns and each first once, the median kept: writes to this
    machine's disk vary from one second to the next, and with what the step before freed. Each
    round deposits the same bytes for another service (a service keeps a content once)."""
    source = WORK / "registro.pdf"
    large_pdf(source)
    size_mb = source.stat().st_size / MB
    rates: dict[str, list[float]] = {"hash": [], "copy": [], "deposit": []}
    growths = []
    copy = WORK / "copy.pdf"

    def hashed() -> None:
        rates["hash"].append(size_mb / timed(lambda: hash_file(source)))

    def copied() -> None:
        rates["copy"].append(size_mb / timed(lambda: copy_file(source, copy)))
        copy.unlink()

    def deposited() -> None:
        start = time.perf_counter()
        growths.append(deposit_file(services.pop(), source))
        rates["deposit"].append(size_mb / (time.perf_counter() - start))

    services = [active_service(f"bench-large-{run}-{n}@example.com") for n in range(LARGE_ROUNDS)]
    steps = [hashed, copied, deposited]
    for round_number in range(LARGE_ROUNDS):
        for step in steps[round_number:] + steps[:round_number]:  # each goes first once
            os.sync()  # no dirty pages of the step before are left for this one to write
            step()
    source.unlink()
    hashing, writing, depositing = (statistics.median(rates[key]) for key in ("hash", "copy", "deposit"))
    slower = min(hashing, writing)
    print(
        f"1 GB file ({size_mb:,.0f} MB, read from the page cache), median of {LARGE_ROUNDS} rounds on the same bytes:"
    )
    print(f"  sha256 reading it      {hashing:8.0f} MB/s   {_each(rates['hash'])}")
    print(f"  copying it, fsynced    {writing:8.0f} MB/s   {_each(rates['copy'])}")
    print(f"  deposit_submit         {depositing:8.0f} MB/s   {_each(rates['deposit'])}")
    verdict = "ok" if depositing >= GOAL_RATIO * slower else "BELOW GOAL"
    print(f"  ratio to the slower    {depositing / slower:8.2f}   (goal >= {GOAL_RATIO}: {verdict})")
    print(f"  peak memory growth     {max(growths):8.1f} MB   (ru_maxrss since a reset of its high-water mark)")


def _each(rates: list[float]) -> str:
    return "(" + ", ".join(f"{rate:.0f}" for rate in rates) + ")"


# 2. Many small files ----------------------------------------------------------------------------


def small_pdf(number: int) -> bytes:
    """A real one-page PDF of about 6 kB, different for each number."""
    body = f"Documento {number}: ".encode() + random.Random(number).randbytes(3 * 1024).hex().encode()  # noqa: S311
    start = pdf_start(len(body))
    return start + body + pdf_end(len(start) + len(body), len(body))


def bench_small(service: Service) -> None:
    packages = [
        {f"doc-{p:03d}-{n:03d}.pdf": small_pdf(p * SMALL_PER_PACKAGE + n) for n in range(SMALL_PER_PACKAGE)}
        for p in range(SMALL_PACKAGES)
    ]
    size_kb = len(next(iter(packages[0].values()))) / 1024

    def deposit_all() -> None:
        for package in packages:
            deposit_submit(
                service_id=service.pk,
                document_class_code="documento-generico",
                files=[SimpleUploadedFile(name, data) for name, data in package.items()],
                metadata={name: generic(f"Verbale {name}") for name in package},
                actor=SYSTEM,
            )

    seconds = timed(deposit_all)
    count = SMALL_PACKAGES * SMALL_PER_PACKAGE
    rate = count / seconds
    verdict = "ok" if rate >= GOAL_DOCUMENTS_PER_SECOND else "BELOW GOAL"
    print(f"{count:,} small documents ({size_kb:.0f} KB PDFs), {SMALL_PACKAGES} packages of {SMALL_PER_PACKAGE} files:")
    print(f"  {rate:8.0f} documents/s  ({seconds:.1f} s; goal >= {GOAL_DOCUMENTS_PER_SECOND}/s: {verdict})")


# 3. Search --------------------------------------------------------------------------------------

COUNTERPARTIES = 5_000
KEYWORDS = [f"parola{n}" for n in range(1_000)]
MATTERS = ["Contratto di fornitura", "Verbale di assemblea", "Fattura acquisto merci", "Nota spese", "Bilancio"]
PER_DEPOSIT = 100
BATCH = 5_000
FIRST_DATE = datetime.date(2016, 1, 1)


def vat_number(n: int) -> str:
    return f"{n + 10_000_000:011d}"


def search_service(rows: int) -> Service:
    """The service holding `rows` documents, built once and kept for the next run."""
    email = f"bench-search-{rows}@example.com"
    service = Service.objects.filter(customer__user__email=email).first()
    if service is not None and Document.objects.filter(service=service).count() == rows:
        print(f"  reusing the {rows:,} documents built by an earlier run")
        return service
    if service is not None:
        sys.exit(f"{email} holds a partial build: drop the database and run again")
    service = active_service(email)
    start = time.perf_counter()
    document_class = DocumentClass.objects.get(code="documento-generico")
    for first in range(0, rows, BATCH):
        build_batch(service, document_class, first, min(BATCH, rows - first))
    print(f"  built {rows:,} documents with bulk_create in {time.perf_counter() - start:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return service


def build_batch(service: Service, document_class: DocumentClass, first: int, count: int) -> None:
    now = datetime.datetime.now(datetime.UTC)
    deposits = Deposit.objects.bulk_create(
        Deposit(
            service=service,
            document_class=document_class,
            status=Deposit.Status.ACCEPTED,
            submitted_by="bench",
            document_count=PER_DEPOSIT,
            submitted_at=now - datetime.timedelta(minutes=(first + n) // PER_DEPOSIT),
            producer_name="Bench Archivio S.r.l.",
        )
        for n in range(0, count, PER_DEPOSIT)
    )
    documents = Document.objects.bulk_create(
        (bench_document(service, document_class, deposits[n // PER_DEPOSIT], first + n, now) for n in range(count)),
        batch_size=BATCH,
    )
    DocumentSubject.objects.bulk_create(
        (
            DocumentSubject(
                document=document, role=role, name=f"Controparte {party} S.r.l.", vat_number=vat_number(party)
            )
            for document in documents
            for role, party in (("AUTORE", 0), ("DESTINATARIO", document.pk % COUNTERPARTIES))
        ),
        batch_size=BATCH,
    )
    DocumentKeyword.objects.bulk_create(
        (DocumentKeyword(document=document, keyword=KEYWORDS[document.pk % len(KEYWORDS)]) for document in documents),
        batch_size=BATCH,
    )


def bench_document(
    service: Service, document_class: DocumentClass, deposit: Deposit, n: int, now: datetime.datetime
) -> Document:
    date = FIRST_DATE + datetime.timedelta(days=n % 3650)
    return Document(
        service=service,
        deposit=deposit,
        document_class=document_class,
        position=n % PER_DEPOSIT + 1,
        name=f"documento-{n}.pdf",
        sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        size=40_000,
        format="PDF",
        number=f"FT-{date.year}-{n:07d}",
        document_date=date,
        fiscal_year=date.year,
        subject_matter=f"{MATTERS[n % len(MATTERS)]} n. {n}",
        document_type="Documento generico",
        retention_years=10,
        deposited_at=deposit.submitted_at,
    )


def queries(rows: int, count: int) -> Iterator[tuple[str, list[DocumentQuery]]]:
    pick = random.Random(1)  # noqa: S311 (the same searches each run)
    yield "VAT number", [DocumentQuery(tax_id=vat_number(pick.randrange(1, COUNTERPARTIES))) for _ in range(count)]
    yield "document number", [DocumentQuery(number=f"{pick.randrange(rows):07d}") for _ in range(count)]
    yield "keyword", [DocumentQuery(keyword=pick.choice(KEYWORDS)) for _ in range(count)]
    dates = [FIRST_DATE + datetime.timedelta(days=pick.randrange(3600)) for _ in range(count)]
    yield "date range (a month)", [DocumentQuery(date_from=d, date_to=d + datetime.timedelta(days=30)) for d in dates]


def search_once(service: Service, query: DocumentQuery) -> float:
    start = time.perf_counter()
    page = search_results(service=service, query=query)
    page.paginator.count  # noqa: B018 (the number of results the page shows, with its rows and their subjects)
    return (time.perf_counter() - start) * 1000


def bench_search(rows: int, count: int) -> None:
    if connection.vendor != "postgresql":
        print("search: skipped (needs PostgreSQL: DATABASE_URL=postgres://...)")
        return
    print(f"search over {rows:,} documents of one service, {count} searches each (page + count):")
    service = search_service(rows)
    for label, batch in queries(rows, count):
        search_once(service, batch[0])  # warm up
        timings = sorted(search_once(service, query) for query in batch)
        p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
        print(f"  {label:<22} p50 {statistics.median(timings):8.1f} ms   p99 {p99:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="documents to search over (PostgreSQL)")
    parser.add_argument("--searches", type=int, default=100, help="searches of each kind")
    parser.add_argument("--skip-deposits", action="store_true", help="only the search")
    arguments = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs; files in {WORK}")
    try:
        if not arguments.skip_deposits:
            run = uuid.uuid4().hex[:8]
            bench_large(run)
            bench_small(active_service(f"bench-small-{run}@example.com"))
        bench_search(arguments.rows, arguments.searches)
    finally:
        shutil.rmtree(WORK)


if __name__ == "__main__":
    main()
