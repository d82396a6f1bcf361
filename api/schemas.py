"""What the API answers, as typed schemas: the OpenAPI document is generated from them."""

import datetime
import uuid

from ninja import Field, Schema


class ServiceOut(Schema):
    id: uuid.UUID
    plan: str
    status: str = Field(description="S8: IN_ATTESA, ATTIVO, SCADUTO, SOSPESO or CESSATO")
    expires_on: datetime.date | None = Field(description="S2: the last day of the paid term")
    days_to_expiry: int | None
    expiry_is_near: bool = Field(description="S2: true from 90 days before expiry (shown in red)")
    quota_bytes: int
    used_bytes: int
    space_used_percent: float = Field(description="S6: rounded to one decimal")
    space_is_high: bool = Field(description="S6: true above 70% (shown in red)")
    auto_renew: bool
    archive_open: bool = Field(description="documents can be searched and downloaded (ATTIVO or SCADUTO)")
    accepts_deposits: bool


class Refusal(Schema):
    file: str = Field(description="the file's name in the package; empty for the package as a whole")
    reason: str


class DocumentBrief(Schema):
    id: uuid.UUID
    position: int
    name: str
    sha256: str
    size: int


class PackageOut(Schema):
    id: uuid.UUID
    status: str = Field(description="ACCETTATO or RIFIUTATO")
    document_class: str | None
    submitted_at: datetime.datetime
    submitted_by: str
    document_count: int
    total_bytes: int
    package_sha256: str
    refusals: list[Refusal]
    receipt_url: str | None = Field(description="the receipt's XML, for an accepted package")


class PackageDetail(PackageOut):
    documents: list[DocumentBrief]


class PackagePage(Schema):
    items: list[PackageOut]
    next_cursor: str | None = Field(description="pass it as `cursor` for the next page; null on the last")


class Subject(Schema):
    role: str
    name: str
    country: str
    vat_number: str
    tax_code: str


class DocumentOut(Schema):
    id: uuid.UUID
    package: uuid.UUID
    document_class: str
    name: str
    sha256: str
    size: int
    format: str
    signed_format: str
    number: str
    document_date: datetime.date | None
    fiscal_year: int | None
    subject_matter: str
    document_type: str
    retention_years: int
    deposited_at: datetime.datetime
    subjects: list[Subject]
    keywords: list[str]
    file_url: str


class DocumentPage(Schema):
    items: list[DocumentOut]
    next_cursor: str | None


class Problem(Schema):
    """RFC 9457 problem details; `code` is stable, `title` and `detail` are for people."""

    type: str
    code: str
    title: str
    status: int
    detail: str
    instance: str
