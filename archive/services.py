"""Deposits (versamenti): a submission package accepted whole or rejected whole.

Each file is streamed once to staging (hashed, identified, read if it is XML or signed); then, in
one transaction, the service's row is locked and its space used (subscriptions.service_use_space),
the files get their content-addressed names and the documents their rows. A package refused for
any reason keeps no file and counts no byte; it is recorded as rejected, with each file's reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from archive.errors import ArchiveError, Problem
from archive.ingest.pipeline import Ingested, Rules, ingest
from archive.metadata import Metadata, read_metadata
from archive.models import Deposit, Document, DocumentClass, DocumentKeyword, DocumentSubject
from archive.packages import Incoming, incoming, unpack
from archive.receipts import RECORD_LANGUAGE, package_hash, receipt_of, render_outcome_xml, render_xml
from archive.sheets import Fields, metadata_by_file
from archive.storage import BlobStorage, blob_name, blob_storage
from audit import trail
from audit.actors import Actor, actor_label
from audit.models import AuditEntry
from subscriptions.models import Service
from subscriptions.services import ServiceError, service_use_space, space_use_refusal

Action = AuditEntry.Action


def archive_export_record(*, service: Service, actor: Actor, address: str) -> None:
    """Who took the whole archive away, and from where (archive/export.py streams it)."""
    trail.record(service, Action.ARCHIVE_EXPORTED, actor=actor, address=address)


def deposit_submit(
    *,
    service_id: int,
    document_class_code: str,
    files: Sequence[File[bytes]],
    metadata: Mapping[str, Mapping[str, object]] | None = None,
    sheet: File[bytes] | None = None,
    actor: Actor,
) -> Deposit:
    """Deposits several files, or one ZIP, as one package of a document class.

    `metadata` maps a file's name to its metadata (archive/metadata.py); `sheet` gives them for a
    batch (archive/sheets.py; a ZIP may carry its own as metadati.csv or metadati.json). Raises
    ArchiveError with the reason for each refused file and the rejected deposit's record.
    """
    service = Service.objects.select_related("customer").get(pk=service_id)
    storage = blob_storage()
    ingested: list[Ingested] = []
    try:
        return _accept(service, document_class_code, files, metadata or {}, sheet, actor, storage, ingested)
    except ArchiveError as error:
        deposit = _record_rejection(service, document_class_code, error.problems, actor)
        raise ArchiveError(str(error), problems=error.problems, deposit=deposit) from None
    finally:
        for item in ingested:
            storage.discard(item.staged)  # nothing left when it was kept: it has its blob name by now


def _accept(
    service: Service,
    document_class_code: str,
    files: Sequence[File[bytes]],
    metadata: Mapping[str, Mapping[str, object]],
    sheet: File[bytes] | None,
    actor: Actor,
    storage: BlobStorage,
    ingested: list[Ingested],
) -> Deposit:
    document_class = _document_class(document_class_code)
    _refuse_if(space_use_refusal(service, 0))
    package = unpack(files)
    given = metadata_by_file(package, metadata, incoming(sheet) if sheet is not None else package.sheet)
    _refuse_if(space_use_refusal(service, sum(item.declared_size or 0 for item in package.items)))
    described, problems = _read_files(package.items, given, document_class, storage, ingested)
    if problems:
        raise ArchiveError(_("Versamento rifiutato: nessun documento è stato conservato."), problems=problems)
    with transaction.atomic():
        return _keep(service, document_class, ingested, described, actor, storage)


def _read_files(
    uploads: list[Incoming],
    given: dict[str, Fields],
    document_class: DocumentClass,
    storage: BlobStorage,
    ingested: list[Ingested],
) -> tuple[dict[str, Metadata], list[Problem]]:
    """Streams every file to staging (appending to `ingested`, which the caller cleans up) and reads
    its metadata; every refusal is collected, so that the customer learns all of them at once."""
    problems = _same_names([upload.name for upload in uploads])
    rules = Rules(document_class.allowed_formats, document_class.name)
    for upload in uploads:
        try:
            ingested.append(ingest(upload, storage, rules))
        except ArchiveError as error:
            problems.append(Problem(upload.name, str(error)))
    described = {}
    for item in ingested:
        try:
            described[item.name] = _metadata(item, given[item.name], document_class)
        except ArchiveError as error:
            problems.append(Problem(item.name, str(error)))
    return described, problems + _same_contents(ingested)


def _keep(
    service: Service,
    document_class: DocumentClass,
    ingested: list[Ingested],
    described: dict[str, Metadata],
    actor: Actor,
    storage: BlobStorage,
) -> Deposit:
    """Inside the deposit's transaction: the service is locked first, so that the quota, the hashes
    already kept and the blob names are read and written by one deposit at a time."""
    total = sum(item.size for item in ingested)
    try:
        service_use_space(service_id=service.pk, size_bytes=total, actor=actor)
    except ServiceError as error:
        raise ArchiveError(str(error)) from None
    _refuse_kept_already(service, ingested)
    deposit = Deposit.objects.create(
        service=service,
        document_class=document_class,
        status=Deposit.Status.ACCEPTED,
        submitted_by=actor_label(actor),
        document_count=len(ingested),
        total_bytes=total,
        package_sha256=package_hash((item.name, item.sha256) for item in ingested),
        **_producer(service),
    )
    documents = _create_documents(deposit, document_class, ingested, described)
    deposit.receipt_xml = render_xml(receipt_of(deposit, documents))
    deposit.save(update_fields=["receipt_xml"])
    trail.record(
        deposit,
        Action.DEPOSIT_ACCEPTED,
        actor=actor,
        to_state=deposit.status,
        documents=deposit.document_count,
        total_bytes=total,
        package_sha256=deposit.package_sha256,
    )
    _promote_all(storage, service, ingested)
    return deposit


def _promote_all(storage: BlobStorage, service: Service, ingested: list[Ingested]) -> None:
    """The files get their names last, once every row is written: if giving one fails, those given
    are taken back before the transaction rolls back, while the service's lock still keeps any
    other deposit from reusing them. A blob that was there before (unreferenced) is left alone."""
    given: list[str] = []
    try:
        for item in ingested:
            blob = blob_name(service.public_id, item.sha256)
            if storage.promote(item.staged, blob, item.size):
                given.append(blob)
    except BaseException:
        for blob in given:
            storage.delete(blob)
        raise


def _create_documents(
    deposit: Deposit, document_class: DocumentClass, ingested: list[Ingested], described: dict[str, Metadata]
) -> list[Document]:
    documents = Document.objects.bulk_create(
        Document(
            service_id=deposit.service_id,
            deposit=deposit,
            document_class=document_class,
            position=position,
            name=item.name,
            sha256=item.sha256,
            size=item.size,
            format=item.format,
            signed_format=item.signed_format or "",
            number=described[item.name].identifier,
            document_date=described[item.name].date,
            fiscal_year=described[item.name].fiscal_year,
            subject_matter=described[item.name].subject_matter,
            document_type=described[item.name].document_type,
            retention_years=described[item.name].retention_years or document_class.retention_years,
            deposited_at=deposit.submitted_at,
        )
        for position, item in enumerate(ingested, start=1)
    )
    DocumentSubject.objects.bulk_create(
        DocumentSubject(
            document=document,
            role=subject.role,
            name=subject.name,
            country=subject.country,
            vat_number=subject.vat_number,
            tax_code=subject.tax_code,
        )
        for document in documents
        for subject in described[document.name].subjects
    )
    DocumentKeyword.objects.bulk_create(
        DocumentKeyword(document=document, keyword=keyword)
        for document in documents
        for keyword in described[document.name].keywords
    )
    return documents


def _metadata(item: Ingested, fields: Fields, document_class: DocumentClass) -> Metadata:
    given = read_metadata(fields)
    metadata = given.overridden_by(item.described) if item.described else given
    retention = metadata.retention_years or document_class.retention_years
    if retention < document_class.retention_years:
        raise ArchiveError(
            _("Il tempo di conservazione non può essere inferiore a quello della classe (%(years)d anni).")
            % {"years": document_class.retention_years}
        )
    metadata = replace(
        metadata,
        document_type=metadata.document_type or document_class.name,
        retention_years=retention,
        fiscal_year=metadata.fiscal_year or (metadata.date.year if metadata.date else None),
    )
    missing = metadata.missing(document_class.required_metadata)
    if missing:
        raise ArchiveError(_("Mancano metadati obbligatori: %(fields)s.") % {"fields": ", ".join(missing)})
    return metadata


def _document_class(code: str) -> DocumentClass:
    document_class = DocumentClass.objects.filter(code=code, is_active=True).first()
    if document_class is None:
        raise ArchiveError(_("Classe documentale sconosciuta: scegline una dall'elenco."))
    return document_class


def _refuse_if(refusal: str) -> None:
    if refusal:
        raise ArchiveError(refusal)


def _same_names(names: list[str]) -> list[Problem]:
    return [
        Problem(name, _("Due file del versamento hanno lo stesso nome."))
        for name, count in Counter(names).items()
        if count > 1
    ]


def _same_contents(ingested: list[Ingested]) -> list[Problem]:
    first: dict[str, str] = {}
    problems = []
    for item in ingested:
        if item.sha256 in first:
            problems.append(
                Problem(
                    item.name,
                    _("Ha lo stesso contenuto di «%(name)s»: il file è due volte nel versamento.")
                    % {"name": first[item.sha256]},
                )
            )
        first.setdefault(item.sha256, item.name)
    return problems


def _refuse_kept_already(service: Service, ingested: list[Ingested]) -> None:
    names = {item.sha256: item.name for item in ingested}
    kept = Document.objects.filter(service=service, sha256__in=names).values_list("sha256", "deposit__public_id")
    problems = [
        Problem(names[sha256], _("È già conservato, nel versamento %(deposit)s.") % {"deposit": deposit})
        for sha256, deposit in kept
    ]
    if problems:
        raise ArchiveError(_("Versamento rifiutato: nessun documento è stato conservato."), problems=problems)


def _producer(service: Service) -> dict[str, str]:
    customer = service.customer
    return {
        "producer_name": customer.company_name,
        "producer_vat_number": customer.vat_number,
        "producer_tax_code": customer.tax_code,
    }


@transaction.atomic
def _record_rejection(service: Service, document_class_code: str, problems: list[Problem], actor: Actor) -> Deposit:
    """The rejected package's record and its esito negativo, kept like a receipt; no file is kept."""
    deposit = Deposit.objects.create(
        service=service,
        document_class=DocumentClass.objects.filter(code=document_class_code).first(),
        status=Deposit.Status.REJECTED,
        submitted_by=actor_label(actor),
        refusals=[problem.as_json() for problem in problems],
        **_producer(service),
    )
    deposit.receipt_xml = render_outcome_xml(
        deposit, [_in_italian(problem) for problem in problems], problems[0].reason
    )
    deposit.save(update_fields=["receipt_xml"])
    trail.record(
        deposit,
        Action.DEPOSIT_REJECTED,
        actor=actor,
        to_state=deposit.status,
        refused_files=len([problem for problem in problems if problem.file]),
        reason=problems[0].reason[:200],
    )
    return deposit


def _in_italian(problem: Problem) -> dict[str, str]:
    """A refusal as the kept outcome says it: a check's finding drawn again in Italian; a reason
    given in words only stays as it was said."""
    if problem.finding is None:
        return {"file": problem.file, "reason": problem.reason, "code": ""}
    with translation.override(RECORD_LANGUAGE):
        return {"file": problem.file, "reason": problem.finding.message, "code": problem.finding.code}
