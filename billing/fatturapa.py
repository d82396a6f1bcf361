"""FatturaPA 1.2 (FPR12 for businesses and persons, FPA12 for public administrations): the XML the
tax system (SDI) receives. Built with lxml and checked against the official XSD shipped in
billing/schemas; the parties of the header are in billing/parties.py.
"""

from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from lxml import etree

from billing import parties
from billing.parties import add
from billing.text import latin1

__all__ = ["latin1", "render", "file_name", "validation_errors"]

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
XMLDSIG_URL = "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"


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


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def rate(value: Decimal) -> str:
    """0.22 -> "22.00", as AliquotaIVA wants it."""
    return f"{value * 100:.2f}"


def file_name(invoice) -> str:
    """The name SDI expects: the transmitter's country and id (as in IdTrasmittente), "_", a progressive."""
    country, code = parties.transmitter_id()
    return f"{country}{code}_{_progressive(invoice)}.xml"


def _progressive(invoice) -> str:
    digits, number = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", invoice.pk
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text.rjust(5, "0")


def render(invoice, lines, summaries) -> str:
    version = parties.transmission_format(invoice)
    root = etree.Element(f"{{{NAMESPACE}}}FatturaElettronica", nsmap={"p": NAMESPACE}, versione=version)
    parties.header(root, invoice, _progressive(invoice))
    body = add(root, "FatturaElettronicaBody")
    _general(body, invoice)
    goods = add(body, "DatiBeniServizi")
    for line in lines:
        _line(goods, line)
    for summary in summaries:
        _summary(goods, summary, invoice)
    _payment(body, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def _general(body, invoice) -> None:
    general = add(body, "DatiGenerali")
    document = add(general, "DatiGeneraliDocumento")
    add(document, "TipoDocumento", invoice.kind)
    add(document, "Divisa", invoice.currency)
    add(document, "Data", invoice.issued_on.isoformat())
    add(document, "Numero", invoice.number)
    if invoice.stamp_duty:
        stamp = add(document, "DatiBollo")
        add(stamp, "BolloVirtuale", "SI")
        add(stamp, "ImportoBollo", amount(invoice.stamp_duty))
    add(document, "ImportoTotaleDocumento", amount(invoice.total))
    if invoice.reason:
        add(document, "Causale", invoice.reason)
    purchase = add(general, "DatiOrdineAcquisto")
    add(purchase, "IdDocumento", invoice.order.number)
    if invoice.customer_cup:
        add(purchase, "CodiceCUP", invoice.customer_cup)
    if invoice.customer_cig:
        add(purchase, "CodiceCIG", invoice.customer_cig)
    if invoice.corrects_id:
        corrected = add(general, "DatiFattureCollegate")
        add(corrected, "IdDocumento", invoice.corrects.number)
        add(corrected, "Data", invoice.corrects.issued_on.isoformat())


def _line(goods, line) -> None:
    detail = add(goods, "DettaglioLinee")
    add(detail, "NumeroLinea", str(line.position))
    add(detail, "Descrizione", line.description)
    if line.quantity != 1:  # one service at its price needs neither a quantity nor a unit
        add(detail, "Quantita", amount(line.quantity))
        add(detail, "UnitaMisura", "servizi")
    if line.period_start and line.period_end:
        add(detail, "DataInizioPeriodo", line.period_start.isoformat())
        add(detail, "DataFinePeriodo", line.period_end.isoformat())
    add(detail, "PrezzoUnitario", amount(line.unit_price))
    add(detail, "PrezzoTotale", amount(line.net))
    add(detail, "AliquotaIVA", rate(line.vat_rate))
    if line.natura:
        add(detail, "Natura", line.natura)


def _summary(goods, summary, invoice) -> None:
    recap = add(goods, "DatiRiepilogo")
    add(recap, "AliquotaIVA", rate(summary.rate))
    if summary.natura:
        add(recap, "Natura", summary.natura)
    add(recap, "ImponibileImporto", amount(summary.taxable))
    add(recap, "Imposta", amount(summary.tax))
    add(recap, "EsigibilitaIVA", "S" if invoice.split_payment and summary.tax else "I")
    if summary.natura and invoice.vat_note:
        add(recap, "RiferimentoNormativo", invoice.vat_note)


def _payment(body, invoice) -> None:
    payment = add(body, "DatiPagamento")
    add(payment, "CondizioniPagamento", "TP02")
    detail = add(payment, "DettaglioPagamento")
    add(detail, "ModalitaPagamento", invoice.payment_means)
    add(detail, "ImportoPagamento", amount(invoice.amount_due))
    if invoice.payment_means == "MP05":
        add(detail, "IBAN", settings.BANK_IBAN)
