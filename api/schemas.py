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


class RequiredField(Schema):
    key: str = Field(description="the metadata's key, as `metadata` and the sheet name it: identificativo, data…")
    label: str


class DocumentClassOut(Schema):
    code: str = Field(description="what `document_class` takes")
    name: str
    required_metadata: list[RequiredField] = Field(description="refused without them (a FatturaPA gives its own)")
    allowed_formats: list[str] = Field(description="by content, not by name: PDF, XML, P7M (.p7m and .p7s)…")
    electronic_invoices: bool = Field(description="an XML must be a FatturaPA valid against its version's schema")
    pdfa: str = Field(
        description="OBBLIGATORIO (refused if not PDF/A), CONSIGLIATO (kept with a warning), NON_RICHIESTO"
    )
    retention_years: int = Field(description="the least retention; `tempo_di_conservazione` may ask more")
    tax_relevant: bool = Field(description="preserved by the tax deadline of its fiscal year")


class Refusal(Schema):
    file: str = Field(description="the file's name in the package; empty for the package as a whole")
    reason: str
    code: str = Field("", description="the check's stable code (signature.not_intact, fatturapa.schema…)")


class FindingOut(Schema):
    level: str = Field(description="AVVISO (kept with it) or ERRORE (refused)")
    code: str = Field(description="stable, for programs")
    message: str = Field(description="for people, in the key owner's language")


class SignatureOut(Schema):
    kind: str = Field(description="CAdES, PAdES or XAdES")
    depth: int = Field(description="0 for the outermost envelope, 1 for one nested inside it…")
    signer_name: str
    signer_tax_code: str
    issuer: str
    signing_time: datetime.datetime | None
    signing_time_source: str = Field(description="«marca temporale», «dichiarato dal firmatario» or empty")
    digest_algorithm: str
    signature_algorithm: str
    level: str = Field(description="BES, T, LT or LTA")
    qualified: bool | None
    outcome: str = Field(description="VALIDA, INDETERMINATA or NON_INTEGRA (never kept)")
    reason: str


class InvoiceOut(Schema):
    number: str
    date: datetime.date | None
    type_code: str = Field(description="FatturaPA's TipoDocumento: TD01, TD04…")
    type: str = Field(description="the type in words: Fattura, Nota di credito…")


class DocumentBrief(Schema):
    id: uuid.UUID
    position: int
    name: str
    sha256: str
    size: int
    findings: list[FindingOut] = Field(description="the warnings it was kept with")


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
    format_label: str = Field(description="what the content was recognised as: «PDF 1.7», «PDF/A-2b (dichiarato)»")
    puid: str = Field(description="PRONOM's identifier of the format, when PRONOM knows it")
    findings: list[FindingOut]
    signatures: list[SignatureOut]
    invoices: list[InvoiceOut] = Field(description="each invoice of a FatturaPA file (a lot holds several)")
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
