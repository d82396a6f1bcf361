"""Billing's cast: customers of every kind the provider serves, and the three readers every
FatturaPA the tests make must satisfy (lxml's XSD, xmlschema's XSD, a38's model of SDI's rules)."""

import io

import a38.fattura
import a38.validation
import pytest
import xmlschema
from defusedxml import ElementTree
from pypdf import PdfReader

from audit.actors import SYSTEM
from billing import fatturapa
from billing.models import Invoice
from orders.services import order_place_first_purchase
from payments.transfers import transfer_register

XSD = fatturapa.SCHEMAS / "Schema_del_file_xml_FatturaPA_v1.2.2.xsd"


@pytest.fixture(scope="session")
def independent_reader():
    """xmlschema is a second, pure-Python XSD implementation: it does not share lxml's libxml2."""
    return xmlschema.XMLSchema(
        str(XSD), locations={"http://www.w3.org/2000/09/xmldsig#": str(fatturapa.SCHEMAS / "xmldsig-core-schema.xsd")}
    )


def a38_errors(xml: str) -> list[str]:
    """a38 reads FatturaPA into its own model and checks SDI's rules the XSD cannot say (Natura with
    a zero rate, six characters for FPA12...)."""
    document = a38.fattura.auto_from_etree(ElementTree.fromstring(xml.encode()))
    validation = a38.validation.Validation()
    document.validate(validation)
    return [str(error) for error in validation.errors if error.msg != A38_STRICTER_THAN_SDI]


# a38 wants a PEC with seven zeros; SDI does not: a person, or a business without a code, receives
# the invoice in the tax drawer (SDI's rule 00426 refuses only a PEC beside another code).
A38_STRICTER_THAN_SDI = "pec_destinatario has no value while codice_destinatario has value 0000000"


@pytest.fixture
def readers(independent_reader):
    """Every reader agrees the document is valid; returns what xmlschema read, to compare figures."""

    def check(invoice: Invoice) -> dict:
        assert invoice.xml_errors == ""
        assert fatturapa.validation_errors(invoice.xml) == []
        independent_reader.validate(invoice.xml)
        assert a38_errors(invoice.xml) == []
        return independent_reader.to_dict(invoice.xml)

    return check


def paid_invoice(customer, plan) -> Invoice:
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    return transfer_register(order=order, operator=SYSTEM).invoice


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
