"""FatturaPA 1.2 (FPR12, between businesses): the XML the tax system (SDI) receives.

Built with lxml and checked against the official XSD shipped in billing/schemas.
"""

import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from lxml import etree

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
XMLDSIG_URL = "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"
NO_SDI_CODE = "0000000"  # the customer receives by PEC, or from its tax drawer


class _LocalSchemas(etree.Resolver):
    def resolve(self, url, pubid, context):
        if url == XMLDSIG_URL:
            return self.resolve_filename(str(SCHEMAS / "xmldsig-core-schema.xsd"), context)
        return None


@cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    document = etree.parse(str(SCHEMAS / "Schema_del_file_xml_FatturaPA_v1.2.2.xsd"), parser)
    return etree.XMLSchema(document)


def validation_errors(xml: str) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(xml.encode(), parser)
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]


TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR"})


def latin1(text: str) -> str:
    """FatturaPA's text fields take Latin-1 only: typographic marks become their plain forms,
    other letters lose their accents (NFKD), and what remains outside Latin-1 becomes "?".
    Control characters, which XML cannot carry, become spaces."""
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text.translate(TYPOGRAPHY))
    if all(ord(char) < 256 for char in text):
        return text
    plain = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return "".join(char if ord(char) < 256 else "?" for char in plain)


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def rate(value: Decimal) -> str:
    """0.22 -> "22.00", as AliquotaIVA wants it."""
    return f"{value * 100:.2f}"


def file_name(invoice) -> str:
    """The name SDI expects: country, the transmitter's id, "_", a progressive."""
    return f"IT{settings.INVOICE_ISSUER['vat_number']}_{_progressive(invoice)}.xml"


def _progressive(invoice) -> str:
    digits, number = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", invoice.pk
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text.rjust(5, "0")


class _Builder:
    def __init__(self):
        self.root = etree.Element(f"{{{NAMESPACE}}}FatturaElettronica", nsmap={"p": NAMESPACE}, versione="FPR12")

    @staticmethod
    def add(parent, tag: str, text: str | None = None):
        element = etree.SubElement(parent, tag)
        if text is not None:
            element.text = latin1(text)
        return element

    def address(self, parent, *, street, postcode, city, province, country):
        sede = self.add(parent, "Sede")
        self.add(sede, "Indirizzo", street)
        self.add(sede, "CAP", postcode)
        self.add(sede, "Comune", city)
        if province and country == "IT":
            self.add(sede, "Provincia", province)
        self.add(sede, "Nazione", country)


def render(invoice, lines, summaries) -> str:
    issuer = settings.INVOICE_ISSUER
    b = _Builder()
    header = b.add(b.root, "FatturaElettronicaHeader")

    transmission = b.add(header, "DatiTrasmissione")
    transmitter = b.add(transmission, "IdTrasmittente")
    b.add(transmitter, "IdPaese", "IT")
    b.add(transmitter, "IdCodice", issuer["tax_code"] or issuer["vat_number"])
    b.add(transmission, "ProgressivoInvio", _progressive(invoice))
    b.add(transmission, "FormatoTrasmissione", "FPR12")
    b.add(transmission, "CodiceDestinatario", invoice.customer_sdi_code or NO_SDI_CODE)
    if not invoice.customer_sdi_code and invoice.customer_pec:
        b.add(transmission, "PECDestinatario", invoice.customer_pec)

    supplier = b.add(header, "CedentePrestatore")
    data = b.add(supplier, "DatiAnagrafici")
    vat_id = b.add(data, "IdFiscaleIVA")
    b.add(vat_id, "IdPaese", "IT")
    b.add(vat_id, "IdCodice", issuer["vat_number"])
    if issuer["tax_code"]:
        b.add(data, "CodiceFiscale", issuer["tax_code"])
    b.add(b.add(data, "Anagrafica"), "Denominazione", issuer["name"])
    b.add(data, "RegimeFiscale", issuer["tax_regime"])
    b.address(
        supplier,
        street=issuer["address"],
        postcode=issuer["postcode"],
        city=issuer["city"],
        province=issuer["province"],
        country="IT",
    )

    buyer = b.add(header, "CessionarioCommittente")
    data = b.add(buyer, "DatiAnagrafici")
    if invoice.customer_vat_number:
        vat_id = b.add(data, "IdFiscaleIVA")
        b.add(vat_id, "IdPaese", invoice.customer_country)
        b.add(vat_id, "IdCodice", invoice.customer_vat_number)
    if invoice.customer_tax_code:
        b.add(data, "CodiceFiscale", invoice.customer_tax_code)
    b.add(b.add(data, "Anagrafica"), "Denominazione", invoice.customer_name)
    b.address(
        buyer,
        street=invoice.customer_address,
        postcode=invoice.customer_postcode,
        city=invoice.customer_city,
        province=invoice.customer_province,
        country=invoice.customer_country,
    )

    body = b.add(b.root, "FatturaElettronicaBody")
    general = b.add(body, "DatiGenerali")
    document = b.add(general, "DatiGeneraliDocumento")
    b.add(document, "TipoDocumento", invoice.kind)
    b.add(document, "Divisa", invoice.currency)
    b.add(document, "Data", invoice.issued_on.isoformat())
    b.add(document, "Numero", invoice.number)
    b.add(document, "ImportoTotaleDocumento", amount(invoice.total))
    if invoice.reason:
        b.add(document, "Causale", invoice.reason)
    b.add(b.add(general, "DatiOrdineAcquisto"), "IdDocumento", invoice.order.number)
    if invoice.corrects_id:
        corrected = b.add(general, "DatiFattureCollegate")
        b.add(corrected, "IdDocumento", invoice.corrects.number)
        b.add(corrected, "Data", invoice.corrects.issued_on.isoformat())

    goods = b.add(body, "DatiBeniServizi")
    for line in lines:
        detail = b.add(goods, "DettaglioLinee")
        b.add(detail, "NumeroLinea", str(line.position))
        b.add(detail, "Descrizione", line.description)
        b.add(detail, "Quantita", amount(line.quantity))
        b.add(detail, "PrezzoUnitario", amount(line.unit_price))
        b.add(detail, "PrezzoTotale", amount(line.net))
        b.add(detail, "AliquotaIVA", rate(line.vat_rate))
    for summary in summaries:
        recap = b.add(goods, "DatiRiepilogo")
        b.add(recap, "AliquotaIVA", rate(summary.rate))
        b.add(recap, "ImponibileImporto", amount(summary.taxable))
        b.add(recap, "Imposta", amount(summary.tax))
        b.add(recap, "EsigibilitaIVA", "I")

    payment = b.add(body, "DatiPagamento")
    b.add(payment, "CondizioniPagamento", "TP02")
    detail = b.add(payment, "DettaglioPagamento")
    b.add(detail, "ModalitaPagamento", invoice.payment_means)
    b.add(detail, "ImportoPagamento", amount(invoice.total))
    if invoice.payment_means == "MP05":
        b.add(detail, "IBAN", settings.BANK_IBAN)

    return etree.tostring(b.root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
