"""Every FatturaPA the provider makes, for every kind of customer, passes the three readers and says
what SDI and an accountant expect of it."""

import datetime
from decimal import Decimal

import pytest

from billing import fatturapa, pdf
from billing.services import credit_note_issue
from tests import cast
from tests.billing.conftest import paid_invoice, pdf_text

pytestmark = pytest.mark.django_db


def test_an_italian_business_gets_an_fpr12_with_the_service_period_and_the_providers_registration(
    rossi, plan, today, readers
):
    invoice = paid_invoice(rossi, plan)
    data = readers(invoice)
    header, (body,) = data["FatturaElettronicaHeader"], data["FatturaElettronicaBody"]
    (line,) = body["DatiBeniServizi"]["DettaglioLinee"]

    assert data["@versione"] == "FPR12"
    assert (line["DataInizioPeriodo"], line["DataFinePeriodo"]) == ("2026-03-10", "2027-03-10")
    assert header["CedentePrestatore"]["IscrizioneREA"] == {
        "Ufficio": "AR",
        "NumeroREA": "123456",
        "CapitaleSociale": Decimal("10000.00"),
        "StatoLiquidazione": "LN",
    }
    text = pdf_text(pdf.render(invoice))
    assert "Periodo dal 10/03/2026 al 10/03/2027" in text
    assert "REA AR-123456 · Capitale sociale € 10.000,00" in text


def test_the_file_name_and_the_transmitter_are_one_identifier(rossi, plan, today, settings, readers):
    settings.INVOICE_ISSUER = settings.INVOICE_ISSUER | {"tax_code": "RSSMRA85T10A562S"}  # a sole trader's
    invoice = paid_invoice(rossi, plan)
    transmitter = readers(invoice)["FatturaElettronicaHeader"]["DatiTrasmissione"]["IdTrasmittente"]

    assert transmitter == {"IdPaese": "IT", "IdCodice": "RSSMRA85T10A562S"}
    assert fatturapa.file_name(invoice).startswith("ITRSSMRA85T10A562S_")


def test_a_space_increase_covers_from_its_payment_to_the_expiry(rossi, plan, readers):
    from catalog.models import GB
    from orders.services import order_place_space_increase
    from payments.transfers import transfer_register

    service = cast.active_service(rossi, plan, activated_on=datetime.date(2026, 1, 15))
    step = cast.space_step(size_gb=10, yearly_price_net="70.00")
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        order, _ = order_place_space_increase(service_id=service.pk, step=step, actor=rossi.user)
        invoice = transfer_register(order=order, operator=cast.operator()).invoice
    (line,) = readers(invoice)["FatturaElettronicaBody"][0]["DatiBeniServizi"]["DettaglioLinee"]
    assert (line["DataInizioPeriodo"], line["DataFinePeriodo"]) == ("2026-06-01", "2027-01-15")
    assert order.extra_bytes == 10 * GB


def test_a_private_person_is_named_by_first_and_last_name_and_receives_in_the_tax_drawer(
    private_person, plan, today, readers
):
    invoice = paid_invoice(private_person, plan)
    header = readers(invoice)["FatturaElettronicaHeader"]
    buyer = header["CessionarioCommittente"]["DatiAnagrafici"]

    assert buyer["Anagrafica"] == {"Nome": "Mario", "Cognome": "Rossi"}
    assert buyer["CodiceFiscale"] == "RSSMRA85T10A562S" and "IdFiscaleIVA" not in buyer
    assert header["DatiTrasmissione"]["CodiceDestinatario"] == "0000000"
    assert "PECDestinatario" not in header["DatiTrasmissione"]
    assert "Cliente: Mario Rossi" in pdf_text(pdf.render(invoice))


def test_seven_zeros_and_a_pec_write_the_pec(plan, today, readers):
    customer = cast.customer("pec@example.com", "Studio PEC S.r.l.")
    customer.sdi_code, customer.pec = "0000000", "studio@pec.example.it"
    customer.save()
    transmission = readers(paid_invoice(customer, plan))["FatturaElettronicaHeader"]["DatiTrasmissione"]
    assert (transmission["CodiceDestinatario"], transmission["PECDestinatario"]) == ("0000000", "studio@pec.example.it")


def test_an_eu_business_is_invoiced_without_italian_vat_by_reverse_charge(german_business, plan, today, readers):
    invoice = paid_invoice(german_business, plan)
    data = readers(invoice)
    header, (body,) = data["FatturaElettronicaHeader"], data["FatturaElettronicaBody"]
    (line,), (recap,) = body["DatiBeniServizi"]["DettaglioLinee"], body["DatiBeniServizi"]["DatiRiepilogo"]
    note = "Operazione non soggetta ad IVA ai sensi dell'art. 7-ter del DPR 633/72 - inversione contabile"

    assert header["DatiTrasmissione"]["CodiceDestinatario"] == "XXXXXXX"
    buyer = header["CessionarioCommittente"]
    assert buyer["DatiAnagrafici"]["IdFiscaleIVA"] == {"IdPaese": "DE", "IdCodice": "136695976"}
    assert buyer["Sede"] == {
        "Indirizzo": "Unter den Linden 5",
        "CAP": "10117",
        "Comune": "Berlin",
        "Nazione": "DE",
    }
    assert (line["AliquotaIVA"], line["Natura"]) == (Decimal("0.00"), "N2.1")
    assert (recap["Natura"], recap["Imposta"], recap["RiferimentoNormativo"]) == ("N2.1", Decimal("0.00"), note)
    assert (invoice.vat, invoice.total) == (Decimal("0.00"), Decimal("290.00"))
    document = body["DatiGenerali"]["DatiGeneraliDocumento"]
    assert document["DatiBollo"] == {"BolloVirtuale": "SI", "ImportoBollo": Decimal("2.00")}
    text = pdf_text(pdf.render(invoice))
    assert "art. 7-ter del DPR 633/72 – inversione contabile" in text
    assert "Partita IVA DE136695976" in text and "N2.1" in text


def test_a_business_outside_the_eu_is_invoiced_without_vat_and_a_vat_number_check(swiss_business, plan, today, readers):
    invoice = paid_invoice(swiss_business, plan)
    data = readers(invoice)
    header, (body,) = data["FatturaElettronicaHeader"], data["FatturaElettronicaBody"]
    (recap,) = body["DatiBeniServizi"]["DatiRiepilogo"]

    assert header["DatiTrasmissione"]["CodiceDestinatario"] == "XXXXXXX"
    assert header["CessionarioCommittente"]["Sede"]["CAP"] == "00000"
    assert header["CessionarioCommittente"]["Sede"]["Comune"] == "8001 Zürich"
    assert recap["Natura"] == "N2.1" and "inversione contabile" not in recap["RiferimentoNormativo"]


def test_a_public_administration_gets_an_fpa12_with_split_payment_cig_and_cup(
    public_administration, plan, today, readers
):
    invoice = paid_invoice(public_administration, plan)
    data = readers(invoice)
    header, (body,) = data["FatturaElettronicaHeader"], data["FatturaElettronicaBody"]
    (recap,) = body["DatiBeniServizi"]["DatiRiepilogo"]

    assert data["@versione"] == "FPA12"
    assert header["DatiTrasmissione"]["FormatoTrasmissione"] == "FPA12"
    assert header["DatiTrasmissione"]["CodiceDestinatario"] == "UFABCD"
    assert (recap["Imposta"], recap["EsigibilitaIVA"]) == (Decimal("63.80"), "S")
    (purchase,) = body["DatiGenerali"]["DatiOrdineAcquisto"]
    assert (purchase["CodiceCIG"], purchase["CodiceCUP"]) == ("Z1A2B3C4D5", "J91H12000010001")
    (payment,) = body["DatiPagamento"]
    assert payment["DettaglioPagamento"][0]["ImportoPagamento"] == Decimal("290.00")  # the VAT goes to the State
    text = pdf_text(pdf.render(invoice))
    assert "Scissione dei pagamenti ai sensi dell'art. 17-ter del DPR 633/72" in text
    assert "Netto a pagare € 290,00" in text and "CIG Z1A2B3C4D5" in text


@pytest.mark.parametrize("customer", ["rossi", "private_person", "public_administration"])
def test_every_credit_note_passes_the_readers_too(customer, plan, today, readers, request):
    invoice = paid_invoice(request.getfixturevalue(customer), plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    assert readers(note)["@versione"] == readers(invoice)["@versione"]


def test_an_eu_credit_note_keeps_the_reverse_charge(german_business, plan, today, readers):
    invoice = paid_invoice(german_business, plan)
    note = credit_note_issue(invoice_id=invoice.pk, operator=cast.operator(), reason="")
    (recap,) = readers(note)["FatturaElettronicaBody"][0]["DatiBeniServizi"]["DatiRiepilogo"]
    assert (recap["Natura"], note.vat_note, note.stamp_duty) == ("N2.1", invoice.vat_note, Decimal("2.00"))
