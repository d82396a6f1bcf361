import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from audit.actors import SYSTEM
from billing import fatturapa, pdf
from billing.models import Invoice, InvoiceLine
from billing.services import BillingError, credit_note_issue, vat_summaries
from orders.services import order_place_first_purchase
from payments.models import Payment
from payments.transfers import transfer_register
from tests import cast

pytestmark = pytest.mark.django_db


def paid_invoice(customer, plan) -> Invoice:
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    return transfer_register(order=order, operator=SYSTEM).invoice


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_confirmed_payment_issues_one_invoice_with_the_next_number(rossi, bianchi, plan, today):
    first, second = paid_invoice(rossi, plan), paid_invoice(bianchi, plan)

    assert (first.number, second.number) == ("2026/000001", "2026/000002")
    assert first.issued_on == today and first.kind == "TD01"
    assert (first.net, first.vat, first.total) == (Decimal("290.00"), Decimal("63.80"), Decimal("353.80"))
    assert first.total == first.order.total == Payment.objects.get(invoice=first).amount
    assert first.xml_errors == ""


def test_the_numbers_start_again_each_year(rossi, plan):
    with time_machine.travel(datetime.datetime(2026, 12, 31, 22, 30, tzinfo=datetime.UTC), tick=False):  # 23:30 in Rome
        december = paid_invoice(rossi, plan)
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC), tick=False):  # 00:30 in Rome
        january = paid_invoice(rossi, plan)
    assert (december.number, january.number) == ("2026/000001", "2027/000001")


def test_the_invoice_keeps_the_customer_as_it_was(rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    rossi.company_name, rossi.address = "Rossi Nuova S.r.l.", "Via Nuova 9"
    rossi.save()
    invoice.refresh_from_db()
    assert (invoice.customer_name, invoice.customer_address) == ("Studio Rossi S.r.l.", "Via Roma 1")
    assert "Studio Rossi S.r.l." in invoice.xml and "Rossi Nuova" not in pdf_text(pdf.render(invoice))


def test_vat_is_computed_per_rate_on_the_sum_of_the_lines_half_up():
    rate = Decimal("0.22")
    lines = [InvoiceLine(net=Decimal("0.25"), vat_rate=rate) for _ in range(3)]
    (summary,) = vat_summaries(lines)
    # Per line it would be 3 × 0.06 = 0.18; the tax system checks 0.75 × 22% = 0.165 -> 0.17 (half-up).
    assert (summary.taxable, summary.tax) == (Decimal("0.75"), Decimal("0.17"))
    mixed = vat_summaries([*lines, InvoiceLine(net=Decimal("10.00"), vat_rate=Decimal("0.10"))])
    assert [(s.rate, s.taxable, s.tax) for s in mixed] == [
        (Decimal("0.10"), Decimal("10.00"), Decimal("1.00")),
        (rate, Decimal("0.75"), Decimal("0.17")),
    ]


def test_every_fatturapa_validates_against_the_official_xsd(rossi, plan, today, readers):
    invoice = paid_invoice(rossi, plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    for document in (invoice, note):
        readers(document)  # lxml's and xmlschema's XSD, and a38 (tests/billing/conftest.py)


def test_an_independent_reader_finds_the_same_figures_as_the_pdf(rossi, plan, today, independent_reader):
    invoice = paid_invoice(rossi, plan)
    data = independent_reader.to_dict(invoice.xml)
    header, (body,) = data["FatturaElettronicaHeader"], data["FatturaElettronicaBody"]
    document = body["DatiGenerali"]["DatiGeneraliDocumento"]
    recap = body["DatiBeniServizi"]["DatiRiepilogo"][0]
    line = body["DatiBeniServizi"]["DettaglioLinee"][0]

    assert data["@versione"] == "FPR12"
    assert header["DatiTrasmissione"]["CodiceDestinatario"] == "M5UXCR1"
    assert header["CessionarioCommittente"]["DatiAnagrafici"]["IdFiscaleIVA"]["IdCodice"] == cast.VAT_NUMBER
    assert header["CedentePrestatore"]["DatiAnagrafici"]["IdFiscaleIVA"]["IdCodice"] == "12345670892"
    assert (document["TipoDocumento"], document["Numero"], document["Data"]) == ("TD01", "2026/000001", "2026-03-10")
    assert Decimal(recap["ImponibileImporto"]) * Decimal(recap["AliquotaIVA"]) / 100 == Decimal("63.80")
    assert Decimal(recap["Imposta"]) == Decimal("63.80")
    assert Decimal(document["ImportoTotaleDocumento"]) == Decimal(recap["ImponibileImporto"]) + Decimal(
        recap["Imposta"]
    )
    text = pdf_text(pdf.render(invoice))
    for figure in ("290,00", "63,80", "353,80", "22,00%"):
        assert figure in text
    assert line["Descrizione"] in " ".join(text.split())


def test_the_pdf_has_the_number_the_customer_the_lines_and_the_totals(rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    text = " ".join(pdf_text(pdf.render(invoice)).split())

    assert "Fattura n. 2026/000001 del 10/03/2026" in text
    assert "Studio Rossi S.r.l." in text and f"IT{cast.VAT_NUMBER}" in text
    assert "Primo Acquisto: Professional" in text
    assert "Totale imponibile € 290,00" in text
    assert "Totale IVA € 63,80" in text
    assert "Totale documento € 353,80" in text


def test_a_customer_receiving_by_pec_and_a_name_outside_latin_1_still_validate(plan, today):
    customer = cast.customer("omega@example.com", "Ωmega – “Servizi”\x0b S.r.l.")  # \x0b: no XML can carry it
    customer.sdi_code, customer.pec = "", "omega@pec.example.it"
    customer.save()
    invoice = paid_invoice(customer, plan)

    assert fatturapa.validation_errors(invoice.xml) == []
    assert "<CodiceDestinatario>0000000</CodiceDestinatario>" in invoice.xml
    assert "<PECDestinatario>omega@pec.example.it</PECDestinatario>" in invoice.xml
    assert '?mega - "Servizi"  S.r.l.' in invoice.xml
    assert "Servizi" in pdf_text(pdf.render(invoice))


def test_a_refund_issues_a_credit_note_that_cancels_the_invoice(rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")

    assert (note.kind, note.number, note.corrects) == ("TD04", "2026/000002", invoice)
    assert note.total == invoice.total
    assert "<TipoDocumento>TD04</TipoDocumento>" in note.xml
    assert f"<IdDocumento>{invoice.number}</IdDocumento>" in note.xml
    assert "Nota di credito n. 2026/000002" in pdf_text(pdf.render(note))
    with pytest.raises(BillingError, match="già stornata"):
        credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    with pytest.raises(BillingError):
        credit_note_issue(invoice_id=note.pk, operator=cast.operator(), reason="")


def test_the_customer_downloads_the_pdf_and_another_customer_gets_a_404(rossi_client, rossi, bianchi, plan, today):
    invoice = paid_invoice(rossi, plan)
    url = reverse("billing:pdf", args=[invoice.public_id])

    response = rossi_client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="fattura-2026-000001.pdf"'
    assert response.content.startswith(b"%PDF")
    other = Client()
    other.force_login(bianchi.user)
    assert other.get(url).status_code == 404


def test_the_invoice_is_listed_on_the_order(rossi_client, rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    row = rossi_client.get(reverse("orders:list")).content.decode()
    assert reverse("billing:pdf", args=[invoice.public_id]) in row and "Fattura 2026/000001" in row
    detail = rossi_client.get(reverse("orders:detail", args=[invoice.order.number])).content.decode()
    assert "Fattura 2026/000001" in detail


def test_the_customer_downloads_the_fatturapa_for_the_accountant(rossi_client, rossi, bianchi, plan, today):
    invoice = paid_invoice(rossi, plan)
    response = rossi_client.get(reverse("billing:xml", args=[invoice.public_id]))
    assert response["Content-Disposition"] == f'attachment; filename="{fatturapa.file_name(invoice)}"'
    assert fatturapa.validation_errors(response.content.decode()) == []
    other = Client()
    other.force_login(bianchi.user)
    assert other.get(reverse("billing:xml", args=[invoice.public_id])).status_code == 404


def test_operators_refund_from_the_admin_and_download_the_xml(admin_client, rossi, plan, today):
    invoice = paid_invoice(rossi, plan)
    changelist = reverse("admin:billing_invoice_changelist")
    response = admin_client.post(changelist, {"action": "download_xml", "_selected_action": [invoice.pk]})
    assert response["Content-Type"] == "application/xml"

    page = admin_client.post(changelist, {"action": "refund", "_selected_action": [invoice.pk]})
    assert "Emettere le note di credito?" in page.content.decode()
    assert not Invoice.objects.filter(kind="TD04").exists()  # nothing issued before confirming

    admin_client.post(
        changelist,
        {"action": "refund", "_selected_action": [invoice.pk], "confirm": "yes", "reason": "Recesso del cliente"},
    )
    note = Invoice.objects.get(kind="TD04")
    assert (note.corrects, note.reason) == (invoice, "Recesso del cliente")
    assert "<Causale>Recesso del cliente</Causale>" in note.xml


def test_the_invoice_list_shows_the_customers_documents_in_constant_queries(rossi_client, rossi, bianchi, plan, today):
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = paid_invoice(rossi, plan)
    credit_note_issue(invoice_id=first.pk, operator=cast.operator(), reason="")
    others = paid_invoice(bianchi, plan)
    url = reverse("billing:list")
    rossi_client.get(url)  # the first request of a session also writes the session
    caches["pages"].clear()  # the page rendered, not served again (lib.page_cache)
    with CaptureQueriesContext(connection) as few:
        page = rossi_client.get(url).content.decode()
    few_queries = len(few)
    assert "Fattura 2026/000001" in page and "Nota di credito 2026/000002" in page
    assert "storna la fattura 2026/000001" in page and others.number not in page

    for _ in range(5):
        paid_invoice(rossi, plan)
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as many:
        rossi_client.get(url)
    assert len(many) == few_queries
