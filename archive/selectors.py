"""What the panel reads: every selector takes the service (already the customer's own, from
subscriptions.selectors.service_for_customer), and another service's document, package or receipt
does not exist for it (404). The archive is readable while the service is ATTIVO or SCADUTO;
SOSPESO and CESSATO close it."""

import datetime
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from archive.deadlines import preservation_deadline
from archive.errors import ArchiveError, Problem
from archive.ingest.findings import Finding
from archive.ingest.formats import SPECS, Format
from archive.models import Deposit, Document, DocumentClass, DocumentInvoice, DocumentKeyword, DocumentSubject
from archive.receipts import Receipt, receipt_of
from archive.storage import blob_name, blob_storage
from lib import clock
from subscriptions.models import Service

logger = logging.getLogger(__name__)
Status = Service.Status
READ_CHUNK_BYTES = 1024 * 1024


def archive_refusal(service: Service) -> str:
    """Why the service's archive cannot be looked at now, or "" when it can."""
    refusals = {
        Status.PENDING: _("Il Pannello si apre quando il servizio è attivo."),
        Status.SUSPENDED: _(
            "Il Pannello è chiuso perché il servizio è sospeso: rinnovalo dall'Area Clienti per riaprirlo."
        ),
        Status.CEASED: _("Il Pannello è chiuso: il servizio è cessato."),
    }
    return refusals.get(Status(service.status), "")


def _require_open(service: Service) -> None:
    refusal = archive_refusal(service)
    if refusal:
        raise ArchiveError(refusal)


@dataclass(frozen=True)
class DocumentQuery:
    """A search; empty fields do not filter."""

    document_class: str = ""  # a class's code
    date_from: datetime.date | None = None  # the document's own date
    date_to: datetime.date | None = None
    subject_name: str = ""
    tax_id: str = ""  # a VAT number (with or without its country prefix) or a tax code
    number: str = ""
    keyword: str = ""  # a keyword, or words of the subject matter (oggetto)
    sha256: str = ""


# What a row of the panel's results shows, and no more (the package's XML receipt, the class's rules stay behind).
RESULT_FIELDS = (
    "public_id",
    "name",
    "subject_matter",
    "number",
    "document_date",
    "deposited_at",
    "document_class__name",
)


@dataclass(frozen=True)
class Result:
    """A row of the panel's results."""

    document: Document  # only RESULT_FIELDS, with its class (its name)
    subjects: list[DocumentSubject]  # their name, country and VAT number, in their order


MAX_PAGE_NUMBER = 10**9  # beyond, an OFFSET the database may not take: the last page, as past it


def search_results(*, service: Service, query: DocumentQuery, page: int | str = 1) -> Page[Result]:
    """The panel's page of results, newest first, with each document's class name and subjects, in
    two queries whatever their number: the count comes with the page's rows, as a subquery the
    database runs once (past the last page, or before the first, it is the last page as with
    Paginator.get_page, at the cost of a count and the page again)."""
    _require_open(service)
    per_page = settings.ARCHIVE_DOCUMENTS_PER_PAGE
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    matching = _filtered(Document.objects.filter(service=service), query, service)
    documents = (
        matching.select_related("document_class")
        .only("document_class", *RESULT_FIELDS)
        .order_by("-deposited_at", "-id")
    )
    paginator = Paginator(documents, per_page)
    if 1 <= number <= MAX_PAGE_NUMBER:
        count = matching.order_by().values("service").annotate(found=Count("pk")).values("found")
        offset = (number - 1) * per_page
        rows = list(documents.annotate(found=Subquery(count))[offset : offset + per_page])
        if rows or number == 1:
            paginator.count = rows[0].found if rows else 0  # Paginator.count is a cached_property
            return _page(rows, number, paginator)
    last = paginator.get_page(number)
    return _page(list(last.object_list), last.number, paginator)


def _page(documents: Sequence[Document], number: int, paginator: Paginator[Document]) -> Page[Result]:
    # The paginator counted the documents: its count and numbers are the page's of results.
    return Page(_with_subjects(documents), number, cast("Paginator[Result]", paginator))


def _with_subjects(documents: Sequence[Document]) -> list[Result]:
    """Their subjects in one query (as prefetch_related would, for a fraction of its work)."""
    subjects: dict[int, list[DocumentSubject]] = {document.pk: [] for document in documents}
    if documents:
        for subject in DocumentSubject.objects.filter(document_id__in=list(subjects)).only(
            "document_id", "name", "country", "vat_number"
        ):
            subjects[subject.document_id].append(subject)
    return [Result(document, subjects[document.pk]) for document in documents]


def document_classes() -> list[DocumentClass]:
    """The classes a package may have now, in their order."""
    return list(DocumentClass.objects.filter(is_active=True))


def document_class_names() -> dict[str, str]:
    """Every document class's code and name, in their order."""
    return dict(DocumentClass.objects.values_list("code", "name"))


def documents_found(*, service: Service, query: DocumentQuery) -> QuerySet[Document]:
    """The service's documents that match, newest first, with their class, package, subjects and
    keywords at hand (the panel pages them, the API takes them by cursor)."""
    _require_open(service)
    return _filtered(_documents(service), query, service).order_by("-deposited_at", "-id")


def _documents(service: Service) -> QuerySet[Document]:
    return (
        Document.objects.filter(service=service)
        .select_related("document_class", "deposit")
        .prefetch_related("subjects", "keywords", "invoices")
    )


def _filtered(documents: QuerySet[Document], query: DocumentQuery, service: Service) -> QuerySet[Document]:
    if query.document_class:
        documents = documents.filter(document_class__code=query.document_class)
    if query.date_from or query.date_to:
        documents = _dated(documents, service, query.date_from, query.date_to)
    if number := query.number.strip():
        # A lot's file is numbered by its first invoice: the others are found among its invoices.
        # Two searches, each served by its own trigram index on PostgreSQL, united (as the keyword's).
        numbered = Document.objects.filter(service=service, number__icontains=number).order_by().values("pk")
        in_a_lot = (
            DocumentInvoice.objects.filter(document__service=service, number__icontains=number)
            .order_by()
            .values("document_id")
        )
        documents = documents.filter(pk__in=numbered.union(in_a_lot))
    if query.sha256.strip():
        documents = documents.filter(sha256=query.sha256.strip().lower())
    subjects = DocumentSubject.objects.filter(document=OuterRef("pk"))
    if query.subject_name.strip():
        documents = documents.filter(Exists(subjects.filter(name__icontains=query.subject_name.strip())))
    tax_id = "".join(query.tax_id.split()).upper()
    if tax_id:
        same = Q(vat_number=tax_id) | Q(tax_code=tax_id) | Q(country=tax_id[:2], vat_number=tax_id[2:])
        documents = documents.filter(Exists(subjects.filter(same)))
    keyword = " ".join(query.keyword.split())
    if keyword:
        # Two searches, each served by its own index, united: "tagged OR about" in one condition
        # made PostgreSQL read every document (0.5 s over a million; bench/archive.py).
        tagged = DocumentKeyword.objects.filter(keyword=keyword.lower()).order_by().values("document_id")
        about = Document.objects.filter(subject_matter__icontains=keyword).order_by().values("pk")
        documents = documents.filter(pk__in=tagged.union(about))
    return documents


def _dated(
    documents: QuerySet[Document], service: Service, date_from: datetime.date | None, date_to: datetime.date | None
) -> QuerySet[Document]:
    """By the document's own date, or by the date of any other invoice of its lot: two searches of
    the service's rows, each by its index, united (an OR of the two made PostgreSQL read them all)."""
    own, in_a_lot = Q(service=service), Q(document__service=service, position__gt=1)
    if date_from:
        own &= Q(document_date__gte=date_from)
        in_a_lot &= Q(date__gte=date_from)
    if date_to:
        own &= Q(document_date__lte=date_to)
        in_a_lot &= Q(date__lte=date_to)
    dated = Document.objects.filter(own).order_by().values("pk")
    lots = DocumentInvoice.objects.filter(in_a_lot).order_by().values("document_id")
    return documents.filter(pk__in=dated.union(lots))


def document_for_service(*, service: Service, public_id: uuid.UUID | str) -> Document:
    _require_open(service)
    return get_object_or_404(_documents(service), public_id=public_id)


def document_card(*, service: Service, public_id: uuid.UUID | str) -> Document:
    """A document for its page, with its class, its package, its subjects and keywords, in three
    queries; the package's XML receipt and the class's rules are left behind."""
    _require_open(service)
    return get_object_or_404(
        Document.objects.filter(service=service)
        .select_related("document_class", "deposit")
        .defer(
            "deposit__receipt_xml",
            "deposit__refusals",
            "document_class__required_metadata",
            "document_class__allowed_formats",
        )
        .prefetch_related("subjects", "keywords", "invoices"),
        public_id=public_id,
    )


def deposits_for_service(*, service: Service, page: int | str = 1) -> Page[Deposit]:
    """The service's packages, accepted and rejected, newest first."""
    return Paginator(deposits_of(service=service), settings.ARCHIVE_DOCUMENTS_PER_PAGE).get_page(page)


def deposits_of(*, service: Service) -> QuerySet[Deposit]:
    _require_open(service)
    return Deposit.objects.filter(service=service).select_related("document_class").order_by("-submitted_at", "-id")


def deposit_for_service(*, service: Service, public_id: uuid.UUID | str) -> Deposit:
    _require_open(service)
    return get_object_or_404(
        Deposit.objects.select_related("document_class", "service"), service=service, public_id=public_id
    )


def refused_count(*, service: Service) -> int:
    """How many packages of the service were rejected (each has its esito negativo)."""
    return Deposit.objects.filter(service=service, status=Deposit.Status.REJECTED).count()


def refusals_of(deposit: Deposit) -> list[Problem]:
    """A rejected package's refusals, each check's drawn again in the reader's language."""
    return [
        Problem.of(str(item.get("file", "")), Finding.from_json(item))
        if item.get("code")
        else Problem(str(item.get("file", "")), str(item.get("reason", "")))
        for item in deposit.refusals
    ]


def receipt_for_service(*, service: Service, public_id: uuid.UUID | str) -> Receipt:
    """The receipt of an accepted package, for its page; a rejected one has none (404)."""
    deposit = deposit_for_service(service=service, public_id=public_id)
    if deposit.status != Deposit.Status.ACCEPTED:
        raise Http404
    return receipt_of(deposit, deposit.documents.order_by("position"))


@dataclass(frozen=True)
class Download:
    file: BinaryIO  # at its start, its bytes just re-hashed
    name: str  # for Content-Disposition: the file's own name, without the folders it came in
    size: int
    sha256: str
    content_type: str


def document_download(*, service: Service, public_id: uuid.UUID | str) -> Download:
    """The exact bytes kept, read and hashed again before they are handed out: a file whose hash no
    longer matches is refused, never delivered."""
    document = document_for_service(service=service, public_id=public_id)
    try:
        file = blob_storage().open(blob_name(service.public_id, document.sha256))
    except FileNotFoundError:
        logger.error("archive: the file of document %s is missing", document.public_id)
        raise ArchiveError(_("Il file del documento non è disponibile: segnalalo all'assistenza.")) from None
    digest = hashlib.sha256()
    while chunk := file.read(READ_CHUNK_BYTES):
        digest.update(chunk)
    if digest.hexdigest() != document.sha256:
        file.close()
        logger.error("archive: document %s no longer matches its hash", document.public_id)
        raise ArchiveError(
            _("Il documento non corrisponde più alla sua impronta: non lo consegniamo. Segnalalo all'assistenza.")
        )
    file.seek(0)
    content_type = SPECS[Format(document.format)].media_types[0]
    return Download(file, document.name.rsplit("/", 1)[-1], document.size, document.sha256, content_type)


@dataclass(frozen=True)
class FiscalDeadline:
    fiscal_year: int
    deadline: datetime.date
    documents: int  # tax documents of that year deposited
    days_left: int

    @property
    def is_near(self) -> bool:
        return 0 <= self.days_left <= settings.ARCHIVE_DEADLINE_WARNING_DAYS

    @property
    def is_past(self) -> bool:
        return self.days_left < 0


def fiscal_deadlines(*, service: Service, today: datetime.date | None = None) -> list[FiscalDeadline]:
    """For each fiscal year with tax documents, and each year whose deadline is still ahead since the
    service began, the date by which its tax documents must be preserved; newest year first."""
    _require_open(service)
    today = today or clock.today()
    counted = (
        Document.objects.filter(service=service, document_class__tax_relevant=True, fiscal_year__isnull=False)
        .values_list("fiscal_year")
        .annotate(documents=Count("id"))
        .order_by()
    )
    counts: dict[int, int] = dict(counted)
    first_year = localdate(service.created_at).year - 1
    still_open = {year for year in range(first_year, today.year) if preservation_deadline(year) >= today}
    return [
        FiscalDeadline(
            year, preservation_deadline(year), counts.get(year, 0), (preservation_deadline(year) - today).days
        )
        for year in sorted(set(counts) | still_open, reverse=True)
    ]
