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
from lxml import etree

from archive.models import Deposit, Document

NAMESPACE = "urn:conserva:rapporto-di-versamento:1"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "rapporto-di-versamento-1.xsd"
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


def _party(parent: etree._Element, tag: str, name: str, vat_number: str, tax_code: str) -> None:
    party = _add(parent, tag)
    _add(party, "Denominazione", name)
    if vat_number:
        _add(party, "PartitaIVA", vat_number)
    if tax_code:
        _add(party, "CodiceFiscale", tax_code)


def _add(parent: etree._Element, tag: str, text: str = "", **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text:
        element.text = text
    return element


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA), etree.XMLParser(no_network=True)))


def xml_errors(xml: str) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    checker = schema()
    if checker.validate(etree.fromstring(xml.encode(), parser)):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]
