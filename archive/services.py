"""Deposits (versamenti): a submission package accepted whole or rejected whole.

Each file is streamed once to staging (hashed, identified, read if it is XML or signed); then, in
one transaction, the service's row is locked and its space used (subscriptions.service_use_space),
the files get their content-addressed names and the documents their rows. A package refused for
any reason keeps no file and counts no byte; it is recorded as rejected, with each file's reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from archive.documents import create_documents
from archive.errors import ArchiveError, Problem
from archive.ingest.findings import RECORD_LANGUAGE
from archive.ingest.pipeline import ingest_package
from archive.ingest.sheets import metadata_by_file
from archive.ingest.staged import Rules, StagedFile
from archive.ingest.unpack import incoming, unpack
from archive.models import Deposit, Document, DocumentClass
from archive.receipts import package_hash, receipt_of, render_outcome_xml, render_xml
from archive.storage import BlobStorage, blob_name, blob_storage
from archive.trust_lists import trust_in_force
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

    `metadata` maps a file's name to its metadata (archive/ingest/metadata.py); `sheet` gives them for a
    batch (archive/ingest/sheets.py; a ZIP may carry its own as metadati.csv or metadati.json). Raises
    ArchiveError with the reason for each refused file and the rejected deposit's record.
    """
    service = Service.objects.select_related("customer").get(pk=service_id)
    storage = blob_storage()
    received: list[StagedFile] = []
    try:
        return _accept(service, document_class_code, files, metadata or {}, sheet, actor, storage, received)
    except ArchiveError as error:
        deposit = _record_rejection(service, document_class_code, error.problems, actor)
        raise ArchiveError(str(error), problems=error.problems, deposit=deposit) from None
    finally:
        for file in received:
            storage.discard(file.staged)  # nothing left when it was kept: it has its blob name by now
            for path in file.scratch:
                path.unlink(missing_ok=True)


def _accept(
    service: Service,
    document_class_code: str,
    files: Sequence[File[bytes]],
    metadata: Mapping[str, Mapping[str, object]],
    sheet: File[bytes] | None,
    actor: Actor,
    storage: BlobStorage,
    received: list[StagedFile],
) -> Deposit:
    document_class = _document_class(document_class_code)
    _refuse_if(space_use_refusal(service, 0))
    package = unpack(files)
    given = metadata_by_file(package, metadata, incoming(sheet) if sheet is not None else package.sheet)
    _refuse_if(space_use_refusal(service, sum(item.declared_size or 0 for item in package.items)))
    problems = ingest_package(package, given, rules_of(document_class), storage, received)
    if problems:
        raise ArchiveError(_("Versamento rifiutato: nessun documento è stato conservato."), problems=problems)
    with transaction.atomic():
        return _keep(service, document_class, received, actor, storage)


def rules_of(document_class: DocumentClass) -> Rules:
    return Rules(
        class_name=document_class.name,
        allowed_formats=tuple(document_class.allowed_formats),
        required_metadata=tuple(document_class.required_metadata),
        retention_years=document_class.retention_years,
        electronic_invoices=document_class.electronic_invoices,
        pdfa=document_class.pdfa,
        trust=trust_in_force(),
    )


def _keep(
    service: Service, document_class: DocumentClass, received: list[StagedFile], actor: Actor, storage: BlobStorage
) -> Deposit:
    """Inside the deposit's transaction: the service is locked first, so that the quota, the hashes
    already kept and the blob names are read and written by one deposit at a time."""
    total = sum(file.size for file in received)
    try:
        service_use_space(service_id=service.pk, size_bytes=total, actor=actor)
    except ServiceError as error:
        raise ArchiveError(str(error)) from None
    _refuse_kept_already(service, received)
    deposit = Deposit.objects.create(
        service=service,
        document_class=document_class,
        status=Deposit.Status.ACCEPTED,
        submitted_by=actor_label(actor),
        document_count=len(received),
        total_bytes=total,
        package_sha256=package_hash((file.name, file.sha256) for file in received),
        **_producer(service),
    )
    documents = create_documents(deposit, document_class, received)
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
    _promote_all(storage, service, received)
    return deposit


def _promote_all(storage: BlobStorage, service: Service, received: list[StagedFile]) -> None:
    """The files get their names last, once every row is written: if giving one fails, those given
    are taken back before the transaction rolls back, while the service's lock still keeps any
    other deposit from reusing them. A blob that was there before (unreferenced) is left alone."""
    given: list[str] = []
    try:
        for file in received:
            blob = blob_name(service.public_id, file.sha256)
            if storage.promote(file.staged, blob, file.size):
                given.append(blob)
    except BaseException:
        for blob in given:
            storage.delete(blob)
        raise


def _document_class(code: str) -> DocumentClass:
    document_class = DocumentClass.objects.filter(code=code, is_active=True).first()
    if document_class is None:
        raise ArchiveError(_("Classe documentale sconosciuta: scegline una dall'elenco."))
    return document_class


def _refuse_if(refusal: str) -> None:
    if refusal:
        raise ArchiveError(refusal)


def _refuse_kept_already(service: Service, received: list[StagedFile]) -> None:
    names = {file.sha256: file.name for file in received}
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
    refusals = [_in_italian(problem) for problem in problems]
    deposit.receipt_xml = render_outcome_xml(deposit, refusals, refusals[0]["reason"])
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
