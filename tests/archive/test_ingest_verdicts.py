"""Each kind of file the ingest pipeline judges, deposited through the real deposit path: what the
customer sees (kept or refused, and why), what the document keeps (warnings, format, signatures,
invoices), and the receipt or the esito negativo, valid against its schema. Where the verdict is
integrity or schema validity, an independent tool (openssl, xmlschema) must agree."""

import datetime
import io

import pytest
from django.utils import translation
from lxml import etree

from archive import receipts
from archive.errors import ArchiveError
from archive.ingest import fatturapa, identify, pdfa, signatures, signed
from archive.models import Document
from archive.selectors import DocumentQuery, search_results
from tests.archive.conftest import deposit
from tests.archive.ingest import invoices, samples
from tests.archive.ingest.invoices import body, ids, ordinary, simplified, without
from tests.archive.ingest.test_fatturapa import ORDINARY_XSD, REQUIRED, second_validator
from tests.archive.ingest.test_signatures import DOCUMENT, altered, hand_made, openssl_verifies
from tests.archive.ingest.test_signatures import signed as cades_signed

pytestmark = pytest.mark.django_db

INVOICES = "fattura-attiva"
RECEIPT = {"r": receipts.NAMESPACE}
OUTCOME = {"e": receipts.OUTCOME_NAMESPACE}


def contract(number: str = "C-17") -> dict[str, object]:
    """A contratto's metadata: the class asks for its number, date, parties and subject matter."""
    return {
        "identificativo": number,
        "data": "2026-02-15",
        "oggetto": "Fornitura di cancelleria",
        "soggetti": [{"ruolo": "parte", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "IT01234560512"}],
    }


def kept(service, uploads, **options) -> Document:
    """Deposits `uploads`, which must be accepted; the first file's document, its receipt checked."""
    accepted = deposit(service, uploads, **options)
    assert receipts.xml_errors(accepted.receipt_xml) == []
    return accepted.documents.order_by("position").first()


def refused(service, uploads, **options) -> ArchiveError:
    """Deposits `uploads`, which must be refused; the esito negativo is checked against its schema."""
    with pytest.raises(ArchiveError) as caught:
        deposit(service, uploads, **options)
    assert receipts.xml_errors(caught.value.deposit.receipt_xml, receipts.OUTCOME_SCHEMA) == []
    assert not Document.objects.exists()
    return caught.value


def codes(document: Document) -> list[str]:
    return [finding.code for finding in document.warnings()]


def warned_in_receipt(document: Document) -> dict[str, str]:
    """The receipt's warnings (Avviso) of `document`, by code."""
    root = etree.fromstring(document.deposit.receipt_xml.encode())
    (line,) = root.xpath("//r:Documento[r:NomeFile=$name]", namespaces=RECEIPT, name=document.name)
    return {warning.get("codice"): warning.text for warning in line.xpath("r:Avvisi/r:Avviso", namespaces=RECEIPT)}


def errors_in_outcome(error: ArchiveError) -> dict[str, list[str]]:
    """The esito negativo's errors, by the file they refuse: {file: [code, …]}."""
    root = etree.fromstring(error.deposit.receipt_xml.encode())
    return {
        file.findtext("e:NomeFile", namespaces=OUTCOME): [
            item.get("codice") for item in file.findall("e:Errore", OUTCOME)
        ]
        for file in root.findall("e:File", OUTCOME)
    }


def signed_by(document: Document) -> list[tuple[str, str, str]]:
    return [(report["outcome"], report["level"], report["signer_name"]) for report in document.signatures]


# FatturaPA


@pytest.mark.parametrize("version", ["FPA12", "FPR12"])
def test_it_keeps_an_official_style_invoice_and_warns_of_its_placeholder_numbers(service, version):
    name = f"IT01234567890_{version[:3]}01.xml"
    document = kept(service, {name: ordinary(version=version)}, document_class=INVOICES, metadata={})

    assert codes(document) == [fatturapa.VAT_NUMBER_CHECK, fatturapa.TAX_CODE_CHECK]
    assert [dict(finding.params) for finding in document.warnings()] == [
        {"party": "cedente/prestatore", "value": "01234567890"},
        {"party": "cessionario/committente", "value": "09876543210"},
    ]
    seller, buyer = document.subjects.order_by("role")
    assert (seller.vat_number, buyer.tax_code) == ("01234567890", "09876543210")
    assert (document.format, document.format_label, document.format_puid) == ("XML", "XML", "fmt/101")
    assert warned_in_receipt(document)[fatturapa.VAT_NUMBER_CHECK] == (
        "Partita IVA del cedente/prestatore «01234567890» non supera il controllo della cifra di verifica: "
        "conservata come scritta."
    )


def test_it_keeps_a_foreign_identifier_with_dots_and_spaces_as_written(service):
    invoice = ordinary(seller=ids("CH", "CHE-114.993.395 IVA"), buyer=ids(tax_code=invoices.VALID_TAX_CODE))
    document = kept(service, {"fattura-svizzera.xml": invoice}, document_class=INVOICES, metadata={})

    assert codes(document) == []
    assert document.subjects.get(role="CEDENTE").vat_number == "CHE-114.993.395 IVA"
    assert second_validator(ORDINARY_XSD).is_valid(io.BytesIO(invoice))


def test_it_reads_a_semplificata(service):
    document = kept(service, {"scontrino.xml": simplified()}, document_class=INVOICES, metadata={})

    assert codes(document) == []
    assert (document.number, document.document_date, document.document_type) == (
        "FS/1",
        datetime.date(2024, 3, 1),
        "Fattura semplificata",
    )
    assert [(subject.name, subject.vat_number or subject.tax_code) for subject in document.subjects.all()] == [
        ("BAR CENTRALE SNC", invoices.VALID_VAT),
        ("MARIO ROSSI", invoices.VALID_TAX_CODE),
    ]


def test_it_keeps_both_invoices_of_a_lot_and_finds_the_file_by_the_second(service):
    lot = ordinary(bodies=(body("1/2024", "2024-01-31"), body("2/2024", "2024-02-29")))
    document = kept(service, {"lotto.xml": lot}, document_class=INVOICES, metadata={})

    assert list(document.invoices.values_list("position", "number", "date", "type_code")) == [
        (1, "1/2024", datetime.date(2024, 1, 31), "TD01"),
        (2, "2/2024", datetime.date(2024, 2, 29), "TD01"),
    ]
    assert document.number == "1/2024"
    found = search_results(service=service, query=DocumentQuery(number="2/2024"))
    assert [result.document.name for result in found] == ["lotto.xml"]


def test_it_finds_a_lot_by_part_of_any_invoices_number_and_by_any_invoices_date(service, bianchi_service):
    lot = ordinary(bodies=(body("FT/2025/101", "2025-03-01"), body("FT/2025/102", "2025-03-02")))
    kept(service, {"lotto.xml": lot}, document_class=INVOICES, metadata={})
    kept(bianchi_service, {"lotto.xml": lot}, document_class=INVOICES, metadata={})  # another's: never found

    def names(**query):
        return [result.document.name for result in search_results(service=service, query=DocumentQuery(**query))]

    assert names(number="ft/2025/102") == names(number="102") == ["lotto.xml"]
    on_the_second_date = datetime.date(2025, 3, 2)
    assert names(date_from=on_the_second_date, date_to=on_the_second_date) == ["lotto.xml"]
    assert names(date_from=datetime.date(2025, 3, 3)) == [] and names(number="103") == []


def test_it_names_a_td04_a_credit_note(service):
    credit_note = ordinary(bodies=(body("NC/5", "2024-05-02", "TD04"),))
    document = kept(service, {"nota.xml": credit_note}, document_class=INVOICES, metadata={})

    assert document.document_type == "Nota di credito"
    assert list(document.invoices.values_list("number", "type_code")) == [("NC/5", "TD04")]


@pytest.mark.parametrize("path", REQUIRED, ids=lambda path: path.rsplit("/", 1)[-1])
def test_it_refuses_as_an_invoice_a_fatturapa_missing_a_required_element(service, path):
    invoice = without(ordinary(seller=ids(code=invoices.VALID_VAT)), path)

    error = refused(service, {"fattura.xml": invoice}, document_class=INVOICES, metadata={})

    problem = error.problems[0]
    assert (problem.file, problem.code) == ("fattura.xml", fatturapa.SCHEMA_INVALID)
    assert problem.reason.startswith("La FatturaPA (versione FPR12) non è conforme allo schema XSD della sua versione")
    assert problem.reason.endswith(problem.finding.params["error"]) and REQUIRED[path] in problem.reason
    assert errors_in_outcome(error)["fattura.xml"][0] == fatturapa.SCHEMA_INVALID
    assert not second_validator(ORDINARY_XSD).is_valid(io.BytesIO(invoice))


def test_it_keeps_an_invalid_fatturapa_outside_the_invoice_classes_with_a_warning(service):
    invoice = without(ordinary(), "FatturaElettronicaHeader/CedentePrestatore/DatiAnagrafici/RegimeFiscale")

    document = kept(service, {"bozza.xml": invoice})

    assert codes(document) == [fatturapa.VAT_NUMBER_CHECK, fatturapa.TAX_CODE_CHECK, fatturapa.SCHEMA_INVALID]
    assert "RegimeFiscale" in warned_in_receipt(document)[fatturapa.SCHEMA_INVALID]
    assert not second_validator(ORDINARY_XSD).is_valid(io.BytesIO(invoice))


# Signatures


def test_it_keeps_an_intact_p7m_with_its_signer(service, tmp_path):
    envelope = cades_signed(samples.plain_pdf())

    document = kept(
        service, {"contratto.pdf.p7m": envelope}, document_class="contratto", metadata={"contratto.pdf.p7m": contract()}
    )

    assert openssl_verifies(envelope, tmp_path)
    assert signed_by(document) == [("INDETERMINATA", "BES", "Mario Rossi")]
    assert (document.format, document.signed_format, document.format_label) == ("P7M", "PDF", "PDF 1.4")
    assert codes(document) == [signatures.UNTRUSTED, pdfa.PDFA_WANTED]


def test_it_refuses_a_p7m_altered_after_signing_and_names_the_signer(service, tmp_path):
    content = samples.plain_pdf()
    tampered = altered(cades_signed(content), content)

    error = refused(
        service, {"contratto.pdf.p7m": tampered}, document_class="contratto", metadata={"contratto.pdf.p7m": contract()}
    )

    assert not openssl_verifies(tampered, tmp_path)
    (problem,) = error.problems
    assert (problem.file, problem.code) == ("contratto.pdf.p7m", signatures.NOT_INTACT)
    assert (
        problem.reason == "Firma non integra: il documento è stato modificato dopo la firma (firmatario Mario Rossi)."
    )
    assert errors_in_outcome(error) == {"contratto.pdf.p7m": [signatures.NOT_INTACT]}


@pytest.mark.parametrize("signed_in_der_order", [True, False], ids=["der-order-signed", "stored-order-signed"])
def test_it_keeps_a_signature_whose_attributes_are_out_of_der_order_with_a_warning(
    service, tmp_path, signed_in_der_order
):
    envelope = hand_made(DOCUMENT, signed_in_der_order=signed_in_der_order)

    document = kept(service, {"contratto.txt.p7m": envelope})

    # openssl checks the attributes as stored: it agrees only when they were signed so.
    assert openssl_verifies(envelope, tmp_path) is not signed_in_der_order
    assert signed_by(document) == [("INDETERMINATA", "BES", "Mario Rossi")]
    assert codes(document) == [signatures.UNTRUSTED, signatures.DER_REENCODED]
    assert signatures.DER_REENCODED in warned_in_receipt(document)


def test_it_keeps_a_sha1_signature_with_a_warning(service, tmp_path):
    envelope = cades_signed(DOCUMENT, digest="sha1")

    document = kept(service, {"contratto.txt.p7m": envelope})

    assert [report["digest_algorithm"] for report in document.signatures] == ["sha1"]
    assert codes(document) == [signatures.UNTRUSTED, signatures.SHA1]
    assert (document.signed_format, document.format_label) == ("TXT", "Testo")


def test_it_keeps_a_detached_p7s_verified_against_the_document_beside_it(service, tmp_path):
    content = samples.plain_pdf()
    p7s = cades_signed(content, detached=True)

    accepted = deposit(
        service,
        {"contratto.pdf": content, "contratto.pdf.p7s": p7s},
        document_class="contratto",
        metadata={"contratto.pdf": contract(), "contratto.pdf.p7s": contract()},
    )

    assert receipts.xml_errors(accepted.receipt_xml) == []
    assert openssl_verifies(p7s, tmp_path, content=content)
    document, signature = accepted.documents.order_by("position")
    assert (document.signatures, codes(document)) == ([], [pdfa.PDFA_WANTED])
    assert signed_by(signature) == [("INDETERMINATA", "BES", "Mario Rossi")]
    assert (signature.format, signature.signed_format) == ("P7M", "PDF")


def test_it_verifies_a_detached_signature_named_p7m_against_the_document_beside_it(service):
    content = samples.plain_pdf()
    detached = cades_signed(content, detached=True)

    accepted = deposit(
        service,
        {"contratto.pdf": content, "contratto.pdf.p7m": detached},
        document_class="contratto",
        metadata={"contratto.pdf": contract(), "contratto.pdf.p7m": contract()},
    )

    _document, signature = accepted.documents.order_by("position")
    assert signed_by(signature) == [("INDETERMINATA", "BES", "Mario Rossi")]
    assert (signature.format, signature.signed_format) == ("P7M", "PDF")


def test_it_refuses_a_detached_p7s_without_the_document_it_signs(service):
    p7s = cades_signed(samples.plain_pdf(), detached=True)

    error = refused(
        service, {"contratto.pdf.p7s": p7s}, document_class="contratto", metadata={"contratto.pdf.p7s": contract()}
    )

    (problem,) = error.problems
    assert (problem.file, problem.code) == ("contratto.pdf.p7s", signed.DETACHED_WITHOUT_CONTENT)
    assert "«contratto.pdf»" in problem.reason


# PDF


def test_it_keeps_a_plain_pdf_by_its_version(service):
    document = kept(service, {"verbale.pdf": samples.plain_pdf((1, 4))})

    assert (document.format_label, document.format_puid, codes(document)) == ("PDF 1.4", "fmt/18", [])


def test_it_keeps_a_plain_pdf_as_a_contract_with_a_pdfa_warning(service):
    document = kept(
        service,
        {"contratto.pdf": samples.plain_pdf((1, 4))},
        document_class="contratto",
        metadata={"contratto.pdf": contract()},
    )

    assert codes(document) == [pdfa.PDFA_WANTED]
    assert warned_in_receipt(document) == {
        pdfa.PDFA_WANTED: "Per questa classe è consigliato un PDF/A, ma il file è PDF 1.4."
    }


def test_it_labels_a_pdfa_that_keeps_its_rules_as_declared(service):
    data = samples.saved(samples.pdfa())
    document = kept(
        service, {"contratto.pdf": data}, document_class="contratto", metadata={"contratto.pdf": contract()}
    )

    assert (document.format_label, codes(document)) == ("PDF/A-2b (dichiarato)", [])
    # pikepdf declares the namespace on the element (<pdfaid:part xmlns:pdfaid=…>2), which PRONOM's byte
    # signature for PDF/A-2b (fmt/477) does not match: siegfried names the version, the claim is ours to judge.
    assert document.format_puid == "fmt/276"


def test_it_does_not_label_as_pdfa_a_claim_that_breaks_a_rule(service):
    data = samples.saved(samples.pdfa(embedded_font=False))
    document = kept(
        service, {"contratto.pdf": data}, document_class="contratto", metadata={"contratto.pdf": contract()}
    )

    assert document.format_label == "PDF 1.7 (dichiara PDF/A-2b, non conforme)"
    assert codes(document) == [pdfa.PDFA_CLAIM_FAILED, pdfa.PDFA_WANTED]
    assert "font non incorporati: Helvetica" in warned_in_receipt(document)[pdfa.PDFA_CLAIM_FAILED]


def test_it_refuses_a_text_named_pdf(service):
    error = refused(service, {"verbale.pdf": samples.GUIDE_TEXT})

    (problem,) = error.problems
    assert (problem.file, problem.code) == ("verbale.pdf", identify.NAME_MISMATCH)
    assert problem.reason == "Il file «verbale.pdf» si chiama come un PDF, ma il contenuto non lo è: è Testo."
    assert errors_in_outcome(error) == {"verbale.pdf": [identify.NAME_MISMATCH]}


# The kept record speaks Italian, whatever the depositor reads the panel in


def test_it_keeps_a_credit_notes_type_in_italian_whatever_the_depositors_language(service):
    credit_note = ordinary(bodies=(body("NC/5", "2024-05-02", "TD04"),))

    with translation.override("en"):
        document = kept(service, {"nota.xml": credit_note}, document_class=INVOICES, metadata={})

    assert document.document_type == "Nota di credito"


def test_it_records_the_format_in_italian_whatever_the_depositors_language(service):
    with translation.override("en"):
        document = kept(service, {"nota.txt": b"Promemoria per la riunione del 2 marzo.\n"})

    root = etree.fromstring(document.deposit.receipt_xml.encode())
    assert root.xpath("//r:FormatoRiconosciuto/text()", namespaces=RECEIPT) == ["Testo"]


def test_it_refuses_in_italian_whatever_the_depositors_language(service):
    with translation.override("en"):
        error = refused(service, {"verbale.pdf": samples.GUIDE_TEXT})

    root = etree.fromstring(error.deposit.receipt_xml.encode())
    assert root.findtext("e:File/e:Errore", namespaces=OUTCOME).endswith("ma il contenuto non lo è: è Testo.")
    assert root.findtext("e:Motivo", namespaces=OUTCOME).endswith("ma il contenuto non lo è: è Testo.")
