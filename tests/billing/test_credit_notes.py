import pytest

from billing import pdf
from billing.services import credit_note_issue
from tests import cast
from tests.billing.conftest import paid_invoice, pdf_text

pytestmark = pytest.mark.django_db


def test_a_credit_note_copies_the_customer_of_the_invoice_it_corrects(rossi, plan, today, readers):
    invoice = paid_invoice(rossi, plan)
    rossi.company_name, rossi.address, rossi.sdi_code = "Rossi Nuova S.r.l.", "Via Nuova 9", "ABCDEF1"
    rossi.save()

    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    buyer = readers(note)["FatturaElettronicaHeader"]["CessionarioCommittente"]

    assert (note.customer_name, note.customer_address, note.customer_sdi_code) == (
        "Studio Rossi S.r.l.",
        "Via Roma 1",
        "M5UXCR1",
    )
    assert buyer["DatiAnagrafici"]["Anagrafica"]["Denominazione"] == "Studio Rossi S.r.l."
    assert "Rossi Nuova" not in pdf_text(pdf.render(note))


def test_its_pdf_names_the_corrected_invoice_even_with_the_operators_reason(rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="Recesso del cliente")

    text = pdf_text(pdf.render(note))
    assert "Storno totale della fattura 2026/000001 del 10/03/2026" in text
    assert "Causale: Recesso del cliente" in text
    assert "<Causale>Recesso del cliente</Causale>" in note.xml


def test_it_copies_the_service_period_of_each_line(rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    (line,) = note.lines.all()
    assert (line.period_start, line.period_end) == (invoice.lines.get().period_start, invoice.lines.get().period_end)
    assert "<DataInizioPeriodo>2026-03-10</DataInizioPeriodo>" in note.xml
