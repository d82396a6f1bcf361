"""FatturaPA's header: who transmits, who invoices (the provider) and who is invoiced, and where it goes.

Each party as the tax system (SDI) wants it: a person by Nome and Cognome, a public
administration by its office code in an FPA12, a customer abroad by its VAT number and
"XXXXXXX" for a recipient code.
"""

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from lxml import etree

from billing.models import Invoice
from billing.text import latin1

Element = Any  # lxml's, which ships no types

NO_SDI_CODE = "0000000"  # the customer receives by PEC, or from its tax drawer
ABROAD = "XXXXXXX"  # a customer outside Italy: SDI keeps the invoice, the provider sends it
# San Marino's tax office receives its businesses' invoices through SDI under this code.
SAN_MARINO = "2R4GTO8"
ITALIAN_POSTCODE = re.compile(r"^\d{5}$")


def add(parent: Element, tag: str, text: str | None = None) -> Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = latin1(text)
    return element


def transmitter_id() -> tuple[str, str]:
    """Who sends the file to SDI: the same identifier in IdTrasmittente and in the file name."""
    issuer = settings.INVOICE_ISSUER
    return "IT", issuer["tax_code"] or issuer["vat_number"]


def transmission_format(invoice: Invoice) -> str:
    return "FPA12" if invoice.customer_is_public_administration else "FPR12"


def recipient_code(invoice: Invoice) -> str:
    if invoice.customer_country == "SM":
        return SAN_MARINO
    if invoice.customer_country != "IT":
        return ABROAD
    return invoice.customer_sdi_code or NO_SDI_CODE


def header(root: Element, invoice: Invoice, progressive: str) -> None:
    element = add(root, "FatturaElettronicaHeader")
    _transmission(element, invoice, progressive)
    _supplier(element)
    _buyer(element, invoice)


def _transmission(header_element: Element, invoice: Invoice, progressive: str) -> None:
    transmission = add(header_element, "DatiTrasmissione")
    country, code = transmitter_id()
    transmitter = add(transmission, "IdTrasmittente")
    add(transmitter, "IdPaese", country)
    add(transmitter, "IdCodice", code)
    add(transmission, "ProgressivoInvio", progressive)
    add(transmission, "FormatoTrasmissione", transmission_format(invoice))
    code = recipient_code(invoice)
    add(transmission, "CodiceDestinatario", code)
    if code == NO_SDI_CODE and invoice.customer_pec:
        add(transmission, "PECDestinatario", invoice.customer_pec)


def _supplier(header_element: Element) -> None:
    issuer = settings.INVOICE_ISSUER
    supplier = add(header_element, "CedentePrestatore")
    data = add(supplier, "DatiAnagrafici")
    _vat_id(data, "IT", issuer["vat_number"])
    if issuer["tax_code"]:
        add(data, "CodiceFiscale", issuer["tax_code"])
    add(add(data, "Anagrafica"), "Denominazione", issuer["name"])
    add(data, "RegimeFiscale", issuer["tax_regime"])
    _address(supplier, issuer["address"], issuer["postcode"], issuer["city"], issuer["province"], "IT")
    if issuer["rea_office"]:
        _registration(supplier, issuer)


def _registration(supplier: Element, issuer: dict[str, str]) -> None:
    """IscrizioneREA: the company register entry a company's documents must state (art. 2250 c.c.)."""
    rea = add(supplier, "IscrizioneREA")
    add(rea, "Ufficio", issuer["rea_office"])
    add(rea, "NumeroREA", issuer["rea_number"])
    if issuer["share_capital"]:
        add(rea, "CapitaleSociale", f"{Decimal(issuer['share_capital']):.2f}")
    if issuer["sole_shareholder"]:
        add(rea, "SocioUnico", issuer["sole_shareholder"])
    add(rea, "StatoLiquidazione", issuer["liquidation_status"])


def _buyer(header_element: Element, invoice: Invoice) -> None:
    buyer = add(header_element, "CessionarioCommittente")
    data = add(buyer, "DatiAnagrafici")
    if invoice.customer_vat_number:
        _vat_id(data, invoice.customer_country, invoice.customer_vat_number)
    if invoice.customer_tax_code and invoice.customer_country == "IT":
        add(data, "CodiceFiscale", invoice.customer_tax_code)
    registry = add(data, "Anagrafica")
    if invoice.customer_is_person and invoice.customer_last_name:
        add(registry, "Nome", invoice.customer_first_name)
        add(registry, "Cognome", invoice.customer_last_name)
    else:
        add(registry, "Denominazione", invoice.customer_name)
    _address(
        buyer,
        invoice.customer_address,
        invoice.customer_postcode,
        invoice.customer_city,
        invoice.customer_province,
        invoice.customer_country,
    )


def _vat_id(parent: Element, country: str, code: str) -> None:
    vat_id = add(parent, "IdFiscaleIVA")
    add(vat_id, "IdPaese", country)
    add(vat_id, "IdCodice", code)


def _address(parent: Element, street: str, postcode: str, city: str, province: str, country: str) -> None:
    """CAP takes five digits only: abroad "00000", and the foreign postcode goes before the city."""
    if country != "IT" and not ITALIAN_POSTCODE.match(postcode):
        postcode, city = "00000", f"{postcode} {city}".strip()
    sede = add(parent, "Sede")
    add(sede, "Indirizzo", street)
    add(sede, "CAP", postcode)
    add(sede, "Comune", city)
    if province and country == "IT":
        add(sede, "Provincia", province)
    add(sede, "Nazione", country)
