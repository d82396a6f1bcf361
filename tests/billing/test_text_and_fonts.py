import io

import pytest
from pypdf import PdfReader

from billing import pdf
from billing.text import latin1
from tests import cast
from tests.billing.conftest import paid_invoice, pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Società Łódź sp. z o.o.", "Società Lódz sp. z o.o."),  # one letter outside Latin-1 keeps the others' accents
        ("Dvořák & Šťastný s.r.o.", "Dvorák & Stastný s.r.o."),
        ("Œuvre – “Città”", 'OEuvre - "Città"'),
        ("Ωmega\x0b", "?mega "),
    ],
)
def test_each_character_outside_latin_1_is_brought_in_alone(typed, written):
    assert latin1(typed) == written


def test_the_xml_keeps_the_accents_and_the_pdf_prints_the_name_as_typed(plan, today, readers):
    customer = cast.customer("lodz@example.com", "Società Łódź S.r.l.")
    invoice = paid_invoice(customer, plan)

    buyer = readers(invoice)["FatturaElettronicaHeader"]["CessionarioCommittente"]["DatiAnagrafici"]
    assert buyer["Anagrafica"]["Denominazione"] == "Società Lódz S.r.l."
    assert "Cliente: Società Łódź S.r.l." in pdf_text(pdf.render(invoice))


def test_the_pdf_embeds_the_font_it_ships(rossi, plan, today):
    (page,) = PdfReader(io.BytesIO(pdf.render(paid_invoice(rossi, plan)))).pages
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    embedded = {font["/BaseFont"].split("+")[-1] for font in fonts if "/FontDescriptor" in font}

    assert embedded == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    assert (pdf.FONTS / "LICENSE").exists()
