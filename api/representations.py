"""The API's view of the archive's rows: plain dicts that the schemas in api/schemas.py describe."""

from django.urls import reverse

from archive.ingest.fatturapa import type_label
from archive.ingest.findings import Finding
from archive.ingest.metadata import Field
from archive.models import Deposit, Document, DocumentClass
from archive.selectors import archive_refusal
from subscriptions.models import Service
from subscriptions.services import space_use_refusal


def service_view(service: Service) -> dict[str, object]:
    return {
        "id": service.public_id,
        "plan": service.plan.name,
        "status": service.status,
        "expires_on": service.expires_on,
        "days_to_expiry": service.days_to_expiry(),
        "expiry_is_near": service.expiry_is_near(),
        "quota_bytes": service.quota_bytes,
        "used_bytes": service.used_bytes,
        "space_used_percent": float(service.space_used_percent),
        "space_is_high": service.space_is_high,
        "auto_renew": service.auto_renew,
        "archive_open": not archive_refusal(service),
        "accepts_deposits": not space_use_refusal(service, 0),
    }


def package_view(deposit: Deposit) -> dict[str, object]:
    accepted = deposit.status == Deposit.Status.ACCEPTED
    return {
        "id": deposit.public_id,
        "status": deposit.status,
        "document_class": deposit.document_class.code if deposit.document_class else None,
        "submitted_at": deposit.submitted_at,
        "submitted_by": deposit.submitted_by,
        "document_count": deposit.document_count,
        "total_bytes": deposit.total_bytes,
        "package_sha256": deposit.package_sha256,
        "refusals": deposit.refusals,
        "receipt_url": reverse("api:package_receipt", kwargs={"package_id": deposit.public_id}) if accepted else None,
    }


def package_detail_view(deposit: Deposit) -> dict[str, object]:
    documents = deposit.documents.order_by("position") if deposit.status == Deposit.Status.ACCEPTED else []
    briefs = [
        {
            "id": item.public_id,
            "position": item.position,
            "name": item.name,
            "sha256": item.sha256,
            "size": item.size,
            "findings": findings_view(item.findings),
        }
        for item in documents
    ]
    return {**package_view(deposit), "documents": briefs}


def document_class_view(document_class: DocumentClass) -> dict[str, object]:
    return {
        "code": document_class.code,
        "name": document_class.name,
        "required_metadata": [{"key": key, "label": str(Field(key).label)} for key in document_class.required_metadata],
        "allowed_formats": document_class.allowed_formats,
        "electronic_invoices": document_class.electronic_invoices,
        "pdfa": document_class.pdfa,
        "retention_years": document_class.retention_years,
        "tax_relevant": document_class.tax_relevant,
    }


def findings_view(stored: list[dict[str, object]]) -> list[dict[str, str]]:
    """Kept findings with their message in the active language (the key owner's)."""
    return [
        {"level": finding.level, "code": finding.code, "message": finding.message}
        for finding in map(Finding.from_json, stored)
    ]


def document_view(document: Document) -> dict[str, object]:
    return {
        "id": document.public_id,
        "package": document.deposit.public_id,
        "document_class": document.document_class.code,
        "name": document.name,
        "sha256": document.sha256,
        "size": document.size,
        "format": document.format,
        "signed_format": document.signed_format,
        "format_label": document.format_label,
        "puid": document.format_puid,
        "findings": findings_view(document.findings),
        "signatures": document.signatures,
        "invoices": [
            {"number": item.number, "date": item.date, "type_code": item.type_code, "type": type_label(item.type_code)}
            for item in document.invoices.all()
        ],
        "number": document.number,
        "document_date": document.document_date,
        "fiscal_year": document.fiscal_year,
        "subject_matter": document.subject_matter,
        "document_type": document.document_type,
        "retention_years": document.retention_years,
        "deposited_at": document.deposited_at,
        "subjects": [
            {
                "role": subject.role,
                "name": subject.name,
                "country": subject.country,
                "vat_number": subject.vat_number,
                "tax_code": subject.tax_code,
            }
            for subject in document.subjects.all()
        ],
        "keywords": [keyword.keyword for keyword in document.keywords.all()],
        "file_url": reverse("api:document_file", kwargs={"document_id": document.public_id}),
    }
