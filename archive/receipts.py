"""The deposit receipt (rapporto di versamento): what a page shows and the XML that is kept.

The package's hash is SHA-256 over its manifest, the UTF-8 text with one line per document,
`<sha256 in hex>  <name>\\n` (the format `sha256sum` prints), sorted by name in Unicode code-point
order. Whoever holds a package's files in one folder can recompute it without Conserva:

    sha256sum -- * | LC_ALL=C sort -k 2 | sha256sum

The XML follows archive/schemas/rapporto-di-versamento-1.xsd, our own documented schema (its
header says why not UNI SInCRO's).
"""

import datetime
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from lxml import etree

from archive.ingest.findings import RECORD_LANGUAGE, Finding
from archive.models import Deposit, Document

NAMESPACE = "urn:conserva:rapporto-di-versamento:1"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "rapporto-di-versamento-1.xsd"
OUTCOME_NAMESPACE = "urn:conserva:esito-negativo:1"
OUTCOME_SCHEMA = Path(__file__).resolve().parent / "schemas" / "esito-negativo-1.xsd"
ALGORITHM = "SHA-256"


@dataclass(frozen=True)
class ReceiptLine:
    position: int
    public_id: uuid.UUID
    name: str
    format: str
    signed_format: str
    size: int
    sha256: str
    number: str
    document_date: datetime.date | None
    format_label: str = ""
    puid: str = ""
    signatures: tuple[dict[str, object], ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Receipt:
    id: uuid.UUID
    submitted_at: datetime.datetime  # UTC
    submitted_by: str
    service: str  # the panel username
    producer_name: str
    producer_vat_number: str
    producer_tax_code: str
    class_code: str
    class_name: str
    package_sha256: str
    total_bytes: int
    lines: tuple[ReceiptLine, ...]


def receipt_of(deposit: Deposit, documents: Iterable[Document]) -> Receipt:
    """`deposit` with its service and document class at hand; `documents` in the package's order."""
    return Receipt(
        id=deposit.public_id,
        submitted_at=deposit.submitted_at.astimezone(datetime.UTC),
        submitted_by=deposit.submitted_by,
        service=deposit.service.panel_username or str(deposit.service.public_id),
        producer_name=deposit.producer_name,
        producer_vat_number=deposit.producer_vat_number,
        producer_tax_code=deposit.producer_tax_code,
        class_code=deposit.document_class.code if deposit.document_class else "",
        class_name=deposit.document_class.name if deposit.document_class else "",
        package_sha256=deposit.package_sha256,
        total_bytes=deposit.total_bytes,
        lines=tuple(
            ReceiptLine(
                position=document.position,
                public_id=document.public_id,
                name=document.name,
                format=document.format,
                signed_format=document.signed_format,
                size=document.size,
                sha256=document.sha256,
                number=document.number,
                document_date=document.document_date,
                format_label=document.format_label,
                puid=document.format_puid,
                signatures=tuple(document.signatures),
                findings=tuple(Finding.from_json(item) for item in document.findings),
            )
            for document in documents
        ),
    )


def manifest(documents: Iterable[tuple[str, str]]) -> str:
    """`documents`: (name, sha256) pairs."""
    return "".join(f"{sha256}  {name}\n" for name, sha256 in sorted(documents))


def package_hash(documents: Iterable[tuple[str, str]]) -> str:
    return hashlib.sha256(manifest(documents).encode()).hexdigest()


def render_xml(receipt: Receipt) -> str:
    with translation.override(RECORD_LANGUAGE):
        return _render_xml(receipt)


def _render_xml(receipt: Receipt) -> str:
    root = etree.Element(f"{{{NAMESPACE}}}RapportoDiVersamento", nsmap={None: NAMESPACE}, versione="1.0")
    _add(root, "Identificativo", str(receipt.id))
    _add(root, "DataOraVersamento", receipt.submitted_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    issuer = settings.INVOICE_ISSUER
    _party(root, "Conservatore", issuer["name"], issuer["vat_number"], issuer["tax_code"])
    _party(root, "SoggettoProduttore", receipt.producer_name, receipt.producer_vat_number, receipt.producer_tax_code)
    _add(root, "Servizio", receipt.service)
    _add(root, "VersatoDa", receipt.submitted_by)
    _add(root, "ClasseDocumentale", receipt.class_name, codice=receipt.class_code)
    package = _add(root, "Pacchetto", documenti=str(len(receipt.lines)), byte=str(receipt.total_bytes))
    _add(package, "Impronta", receipt.package_sha256, algoritmo=ALGORITHM)
    documents = _add(root, "Documenti")
    for line in receipt.lines:
        _line(documents, line)
    return str(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode())


def _line(parent: etree._Element, line: ReceiptLine) -> None:
    document = _add(parent, "Documento", progressivo=str(line.position))
    _add(document, "Identificativo", str(line.public_id))
    _add(document, "NomeFile", line.name)
    _add(document, "Formato", line.format)
    if line.signed_format:
        _add(document, "FormatoFirmato", line.signed_format)
    _add(document, "Dimensione", str(line.size))
    _add(document, "Impronta", line.sha256, algoritmo=ALGORITHM)
    if line.number:
        _add(document, "Numero", line.number)
    if line.document_date:
        _add(document, "Data", line.document_date.isoformat())
    if line.format_label:
        recognised = _add(document, "FormatoRiconosciuto", line.format_label)
        if line.puid:
            recognised.set("puid", line.puid)
    if line.signatures:
        signatures = _add(document, "Firme")
        for report in line.signatures:
            _signature(signatures, report)
    if line.findings:
        warnings = _add(document, "Avvisi")
        for finding in line.findings:
            _add(warnings, "Avviso", finding.message, codice=finding.code)


def _signature(parent: etree._Element, report: dict[str, object]) -> None:
    def text(key: str) -> str:
        value = report.get(key)
        return "" if value is None else str(value)

    signature = _add(parent, "Firma", tipo=text("kind") or "CAdES")
    if text("level"):
        signature.set("livello", text("level"))
    if report.get("qualified") is not None:
        signature.set("qualificata", "true" if report["qualified"] else "false")
    _add(signature, "Firmatario", text("signer_name"))
    for tag, key in (("CodiceFiscale", "signer_tax_code"), ("Emittente", "issuer")):
        if text(key):
            _add(signature, tag, text(key))
    if text("signing_time"):
        _add(signature, "DataFirma", text("signing_time"), fonte=text("signing_time_source") or "-")
    if text("digest_algorithm"):
        _add(signature, "Algoritmo", text("digest_algorithm"))
    _add(signature, "Esito", text("outcome") or "-")
    if text("reason"):
        _add(signature, "Motivo", text("reason"))


def render_outcome_xml(deposit: Deposit, refusals: Iterable[dict[str, str]], reason: str) -> str:
    """The esito negativo of a rejected package (archive/schemas/esito-negativo-1.xsd): the package's
    own errors, then each refused file's, in Italian whatever the depositor's language."""
    with translation.override(RECORD_LANGUAGE):
        root = etree.Element(f"{{{OUTCOME_NAMESPACE}}}EsitoNegativo", nsmap={None: OUTCOME_NAMESPACE}, versione="1.0")
        _add(root, "Identificativo", str(deposit.public_id))
        _add(root, "DataOraVersamento", deposit.submitted_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        issuer = settings.INVOICE_ISSUER
        _party(root, "Conservatore", issuer["name"], issuer["vat_number"], issuer["tax_code"])
        _party(
            root,
            "SoggettoProduttore",
            deposit.producer_name,
            deposit.producer_vat_number,
            deposit.producer_tax_code,
        )
        _add(root, "Servizio", deposit.service.panel_username or str(deposit.service.public_id))
        _add(root, "VersatoDa", deposit.submitted_by)
        if deposit.document_class is not None:
            _add(root, "ClasseDocumentale", deposit.document_class.name, codice=deposit.document_class.code)
        _add(root, "Esito", "RIFIUTATO")
        _add(root, "Motivo", reason)
        by_file: dict[str, list[dict[str, str]]] = {}
        for refusal in refusals:
            by_file.setdefault(refusal["file"], []).append(refusal)
        if "" in by_file:
            package = _add(root, "ErroriDelPacchetto")
            for refusal in by_file.pop(""):
                _add(package, "Errore", refusal["reason"], codice=refusal.get("code") or "pacchetto")
        for name, errors in by_file.items():
            file = _add(root, "File")
            _add(file, "NomeFile", name)
            for refusal in errors:
                _add(file, "Errore", refusal["reason"], codice=refusal.get("code") or "file")
        return str(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode())


def _party(parent: etree._Element, tag: str, name: str, vat_number: str, tax_code: str) -> None:
    party = _add(parent, tag)
    _add(party, "Denominazione", name)
    if vat_number:
        _add(party, "PartitaIVA", vat_number)
    if tax_code:
        _add(party, "CodiceFiscale", tax_code)


def _add(parent: etree._Element, tag: str, text: str = "", **attributes: str) -> etree._Element:
    """A child in its parent's namespace (the receipt's or the outcome's)."""
    element = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{tag}", attributes)
    if text:
        element.text = text
    return element


@cache
def schema(path: Path = SCHEMA) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))


def xml_errors(xml: str, path: Path = SCHEMA) -> list[str]:
    """The schema's complaints about a receipt (or, with OUTCOME_SCHEMA, an outcome); none when valid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    checker = schema(path)
    if checker.validate(etree.fromstring(xml.encode(), parser)):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]
