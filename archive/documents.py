"""The rows of an accepted package's documents, from what ingest learned of each file."""

from archive.ingest.findings import in_record_language
from archive.ingest.staged import StagedFile
from archive.models import Deposit, Document, DocumentClass, DocumentInvoice, DocumentKeyword, DocumentSubject


def create_documents(deposit: Deposit, document_class: DocumentClass, received: list[StagedFile]) -> list[Document]:
    documents = Document.objects.bulk_create(
        _document(deposit, document_class, position, file) for position, file in enumerate(received, start=1)
    )
    by_name = {file.name: file for file in received}
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
        for subject in by_name[document.name].described.subjects
    )
    DocumentKeyword.objects.bulk_create(
        DocumentKeyword(document=document, keyword=keyword)
        for document in documents
        for keyword in by_name[document.name].described.keywords
    )
    DocumentInvoice.objects.bulk_create(
        DocumentInvoice(
            document=document, position=position, number=invoice.number, date=invoice.date, type_code=invoice.type_code
        )
        for document in documents
        if (file := by_name[document.name]).invoice is not None
        for position, invoice in enumerate(file.invoice.invoices, start=1)
    )
    return documents


def _document(deposit: Deposit, document_class: DocumentClass, position: int, file: StagedFile) -> Document:
    metadata = file.described
    identity = file.identified
    inner = file.signed_document
    shown = inner or identity
    return Document(
        service_id=deposit.service_id,
        deposit=deposit,
        document_class=document_class,
        position=position,
        name=file.name,
        sha256=file.sha256,
        size=file.size,
        format=identity.format or "",
        signed_format=inner.format or "" if inner is not None else "",
        format_label=in_record_language(lambda: file.pdf.label if file.pdf is not None else shown.label),
        format_puid=shown.puid,
        format_name=shown.name[:200],
        format_version=shown.version[:40],
        findings=[finding.as_json() for finding in file.warnings],
        signatures=[report.as_json() for report in file.signatures],
        judged_with=file.judged_with,
        number=metadata.identifier,
        document_date=metadata.date,
        fiscal_year=metadata.fiscal_year,
        subject_matter=metadata.subject_matter,
        document_type=metadata.document_type,
        retention_years=metadata.retention_years or document_class.retention_years,
        deposited_at=deposit.submitted_at,
    )
