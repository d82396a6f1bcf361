import base64
import datetime
import functools
import io
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
import xmlschema

from archive.errors import ArchiveError
from archive.ingest import fatturapa
from archive.ingest.fatturapa import InvoiceFacts, XmlReader, invoice_findings, type_label
from archive.ingest.fatturapa_schemas import SCHEMAS, AttachmentElider
from archive.ingest.findings import Level
from archive.ingest.metadata import Role, Subject
from tests.archive.ingest import invoices
from tests.archive.ingest.invoices import body, ids, ordinary, simplified, simplified_body, version_1_1, without

ORDINARY_XSD = "Schema_del_file_xml_FatturaPA_v1.2.3_derivato.xsd"
HEADER, DOCUMENT = "FatturaElettronicaHeader/", "FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/"
SELLER = HEADER + "CedentePrestatore/"
REQUIRED = {
    HEADER + "DatiTrasmissione/IdTrasmittente": "ProgressivoInvio",
    HEADER + "DatiTrasmissione/ProgressivoInvio": "ProgressivoInvio",
    HEADER + "DatiTrasmissione/FormatoTrasmissione": "FormatoTrasmissione",
    HEADER + "DatiTrasmissione/CodiceDestinatario": "CodiceDestinatario",
    SELLER + "DatiAnagrafici/IdFiscaleIVA": "IdFiscaleIVA",
    SELLER + "DatiAnagrafici/Anagrafica/Denominazione": "Anagrafica",
    SELLER + "DatiAnagrafici/RegimeFiscale": "RegimeFiscale",
    SELLER + "Sede/Indirizzo": "Indirizzo",
    SELLER + "Sede/CAP": "CAP",
    HEADER + "CessionarioCommittente": "CessionarioCommittente",
    DOCUMENT + "TipoDocumento": "TipoDocumento",
    DOCUMENT + "Divisa": "Divisa",
    DOCUMENT + "Data": "Data",
    DOCUMENT + "Numero": "Numero",
    "FatturaElettronicaBody/DatiBeniServizi/DettaglioLinee": "DettaglioLinee",
    "FatturaElettronicaBody/DatiBeniServizi/DatiRiepilogo": "DatiRiepilogo",
}


def read(data: bytes, chunk_size: int = 4096) -> fatturapa.InvoiceFile:
    reader = XmlReader()
    for start in range(0, len(data), chunk_size):
        reader.feed(data[start : start + chunk_size])
    invoice = reader.close()
    assert invoice is not None
    return invoice


@functools.cache
def second_validator(schema_file: str) -> xmlschema.XMLSchema10:
    """xmlschema, pure Python: an independent judge of the same XSD."""
    dsig = {"http://www.w3.org/2000/09/xmldsig#": str(SCHEMAS / "xmldsig-core-schema.xsd")}
    return xmlschema.XMLSchema10(str(SCHEMAS / schema_file), allow="local", locations=dsig)


def assert_second_validator_agrees(data: bytes, invoice: fatturapa.InvoiceFile) -> None:
    assert second_validator(invoice.schema).is_valid(io.BytesIO(data)) == (not invoice.schema_errors)


def codes(found):
    return [(finding.level, finding.code) for finding in found]


@pytest.mark.parametrize("version", ["FPA12", "FPR12"])
def test_it_keeps_the_official_samples_and_warns_of_their_placeholder_numbers(version):
    data = ordinary(version=version)
    invoice = read(data)
    assert (invoice.version, invoice.simplified, invoice.schema, invoice.schema_errors) == (
        version,
        False,
        ORDINARY_XSD,
        (),
    )
    assert invoice.seller == Subject(Role.SELLER, "SOCIETA' ALPHA SRL", "IT", "01234567890", "")
    assert invoice.buyer == Subject(Role.BUYER, "BETA GAMMA", "IT", "", "09876543210")
    messages = [finding.message for finding in invoice_findings(invoice, invoice_class=True)]
    assert messages == [
        "Partita IVA del cedente/prestatore «01234567890» non supera il controllo della cifra di verifica: "
        "conservata come scritta.",
        "Codice fiscale del cessionario/committente «09876543210» non supera il controllo del carattere "
        "di verifica: conservato come scritto.",
    ]
    assert {finding.level for finding in invoice_findings(invoice, invoice_class=True)} == {Level.WARNING}
    assert_second_validator_agrees(data, invoice)


def test_it_keeps_an_anonymised_tax_code_as_written_with_a_warning():
    invoice = read(ordinary(seller=ids(code=invoices.VALID_VAT, tax_code="RSSMRA80A01H501X")))
    assert invoice.seller.tax_code == "RSSMRA80A01H501X"
    assert [dict(finding.params) for finding in invoice.findings] == [
        {"party": "cedente/prestatore", "value": "RSSMRA80A01H501X"},
        {"party": "cessionario/committente", "value": "09876543210"},
    ]
    assert codes(invoice.findings)[0] == (Level.WARNING, fatturapa.TAX_CODE_CHECK)


def test_it_checks_nothing_of_identifiers_that_pass():
    invoice = read(ordinary(seller=ids(code=invoices.VALID_VAT), buyer=ids(tax_code=invoices.VALID_TAX_CODE)))
    assert invoice_findings(invoice, invoice_class=True) == ()


def test_it_keeps_a_swiss_suppliers_identifier_as_the_schema_accepts_it():
    data = ordinary(seller=ids("CH", "CHE-114.993.395 IVA"))
    invoice = read(data)
    assert (invoice.seller.country, invoice.seller.vat_number) == ("CH", "CHE-114.993.395 IVA")
    assert invoice.schema_errors == ()
    assert fatturapa.VAT_NUMBER_CHECK not in [finding.code for finding in invoice.findings]
    assert_second_validator_agrees(data, invoice)


def test_it_reads_a_semplificata():
    data = simplified(bodies=(simplified_body("FS/7", "2024-03-01", "TD07"),))
    invoice = read(data)
    assert (invoice.version, invoice.simplified, invoice.schema, invoice.schema_errors) == (
        "FSM10",
        True,
        "Schema_VFSM10.xsd",
        (),
    )
    assert invoice.invoices == (InvoiceFacts("FS/7", datetime.date(2024, 3, 1), "TD07"),)
    assert invoice.invoices[0].type_label == "Fattura semplificata"
    assert invoice.seller == Subject(Role.SELLER, "BAR CENTRALE SNC", "IT", invoices.VALID_VAT, "")
    assert invoice.buyer == Subject(Role.BUYER, "MARIO ROSSI", "IT", "", invoices.VALID_TAX_CODE)
    assert_second_validator_agrees(data, invoice)


def test_it_validates_a_semplificata_against_its_own_schema():
    data = without(simplified(), "FatturaElettronicaHeader/CedentePrestatore/RegimeFiscale")
    invoice = read(data)
    assert "RegimeFiscale" in invoice.schema_errors[0]
    assert_second_validator_agrees(data, invoice)


def test_it_reads_every_invoice_of_a_lot():
    data = ordinary(bodies=(body("1/2024", "2024-01-31"), body("2/2024", "2024-02-29", "TD04")))
    invoice = read(data)
    assert invoice.invoices == (
        InvoiceFacts("1/2024", datetime.date(2024, 1, 31), "TD01"),
        InvoiceFacts("2/2024", datetime.date(2024, 2, 29), "TD04"),
    )
    assert_second_validator_agrees(data, invoice)


def test_it_names_each_type_of_document_in_words():
    invoice = read(ordinary(bodies=(body(type_code="TD04"),)))
    assert invoice.invoices[0].type_label == "Nota di credito"
    assert [type_label(code) for code in ("TD01", "TD05", "TD08", "TD24", "TD29")] == [
        "Fattura",
        "Nota di debito",
        "Nota di credito semplificata",
        "Fattura differita (art. 21, c. 4, lett. a, DPR 633/72)",
        "Comunicazione per omessa o irregolare fatturazione (art. 6 c. 8 D.Lgs. 471/97)",
    ]
    assert type_label("TD99") == "TD99"


@pytest.mark.parametrize("path", REQUIRED)
def test_it_names_the_first_schema_error_of_a_file_missing_a_required_element(path):
    data = without(ordinary(seller=ids(code=invoices.VALID_VAT)), path)
    invoice = read(data)
    assert REQUIRED[path] in invoice.schema_errors[0]
    assert invoice.schema_errors[0].startswith("riga ")
    assert_second_validator_agrees(data, invoice)
    refusal = next(f for f in invoice_findings(invoice, invoice_class=True) if f.code == fatturapa.SCHEMA_INVALID)
    assert (refusal.level, refusal.params["error"]) == (Level.ERROR, invoice.schema_errors[0])
    assert all(finding.level == Level.WARNING for finding in invoice_findings(invoice, invoice_class=False))


def test_it_refuses_a_lot_naming_the_invoice_without_a_number():
    second_number = "FatturaElettronicaBody[2]/DatiGenerali/DatiGeneraliDocumento/Numero"
    invoice = read(without(ordinary(bodies=(body("1"), body("2"))), second_number))
    assert invoice.invoices == (
        InvoiceFacts("1", datetime.date(2014, 12, 18), "TD01"),
        InvoiceFacts("", datetime.date(2014, 12, 18), "TD01"),
    )
    unreadable = [
        (finding.level, dict(finding.params))
        for finding in invoice_findings(invoice, invoice_class=True)
        if finding.code == fatturapa.INVOICE_UNREADABLE
    ]
    assert unreadable == [(Level.ERROR, {"position": "2"})]


def test_it_gives_the_line_of_the_element_in_the_file_after_a_large_attachment():
    content = base64.encodebytes(bytes(range(256)) * 300).decode()  # 1,350 lines
    data = ordinary(
        bodies=(
            body(attachment=invoices.attachment(content)),
            body(number="2", date="2024-02-30"),
        )
    )
    line = data.decode().splitlines().index("        <Data>2024-02-30</Data>") + 1
    invoice = read(data, chunk_size=1000)
    assert invoice.schema_errors[0].startswith(f"riga {line}: Element 'Data': '2024-02-30' is not a valid value")
    assert invoice.invoices[1] == InvoiceFacts("2", None, "TD01")
    assert_second_validator_agrees(data, invoice)


@pytest.mark.parametrize(
    "content",
    [
        base64.encodebytes(b"x" * 1000).decode(),
        base64.encodebytes(b"x" * 1001).decode(),
        base64.encodebytes(b"x" * 1002).decode().replace("\n", "\r\n"),
        base64.b64encode(b"y" * 3000).decode(),
        "",
        "  QUJD  ",
        "QUI=",
        "QUJ=",
        "QQ==",
        "QR==",
        base64.encodebytes(b"x" * 1000).decode()[:-3],
        base64.encodebytes(b"x" * 1000).decode() + "=",
        base64.encodebytes(b"x" * 1000).decode().replace("eH", "e!", 1),
        base64.encodebytes(b"x" * 1000).decode().replace("eH", "e&#72;", 1),
        base64.encodebytes(b"x" * 1000).decode().replace("\n", "<!-- a comment -->", 1),
    ],
)
@pytest.mark.parametrize("chunk_size", [1, 7, 65536])
def test_it_judges_an_attachment_as_the_schema_does_though_it_reads_only_its_last_letters(content, chunk_size):
    data = ordinary(bodies=(body(attachment=invoices.attachment(content)),))
    invoice = read(data, chunk_size)
    assert_second_validator_agrees(data, invoice)


def test_it_leaves_an_attachment_written_in_a_comment_or_cdata_alone():
    data = b"<a><!-- <Attachment>QUJDQUJD --><b><![CDATA[<Attachment>QUJDQUJD]]></b><?pi <Attachment>QUJDQUJD?></a>"
    elider = AttachmentElider()
    assert b"".join(elider.feed(data[index : index + 3]) for index in range(0, len(data), 3)) + elider.close() == data


def test_it_cuts_an_attachment_to_its_last_group_and_maps_lines_back():
    elider = AttachmentElider()
    data = b"<a>\n<Attachment>QUJD\nQUJD\nQUJD\nQU==\n</Attachment>\n<b/></a>"
    assert elider.feed(data) + elider.close() == b"<a>\n<Attachment>\nQU==\n</Attachment>\n<b/></a>"
    assert [elider.original_line(line) for line in (1, 2, 3, 4, 5)] == [1, 2, 5, 6, 7]


def test_it_validates_a_version_1_1_file_against_the_1_1_schema():
    data = version_1_1(recipient="ABCDEF")
    invoice = read(data)
    assert (invoice.version, invoice.schema, invoice.schema_errors) == ("1.1", "FatturaPA_v1.1.xsd", ())
    assert invoice.invoices[0].number == "123"
    assert_second_validator_agrees(data, invoice)


def test_it_finds_a_1_2_value_invalid_in_a_version_1_1_file():
    data = version_1_1(recipient="ABC1234")  # seven characters: FPR12's, not 1.1's
    invoice = read(data)
    assert "CodiceDestinatario" in invoice.schema_errors[0]
    assert_second_validator_agrees(data, invoice)


def test_it_reads_a_version_it_cannot_validate_and_says_so():
    data = ordinary(version="1.0", namespace="http://www.fatturapa.gov.it/sdi/fatturapa/v1.0")
    invoice = read(data)
    assert (invoice.schema, invoice.schema_errors, invoice.invoices[0].number) == ("", (), "123")
    assert codes(invoice_findings(invoice, invoice_class=True))[0] == (Level.WARNING, fatturapa.VERSION_UNKNOWN)


def test_it_cuts_values_longer_than_the_archive_keeps_and_says_so():
    data = ordinary(seller_name=f"<Denominazione>{'A' * 250}</Denominazione>")
    invoice = read(data)
    assert invoice.seller.name == "A" * 200
    assert invoice.schema_errors
    too_long = [finding for finding in invoice.findings if finding.code == fatturapa.VALUE_TOO_LONG]
    assert too_long[0].params["field"] == "La denominazione del cedente/prestatore"
    assert_second_validator_agrees(data, invoice)


def test_it_refuses_a_doctype():
    data = ordinary().replace(b"<p:Fattura", b"<!DOCTYPE p:FatturaElettronica []>\n<p:Fattura", 1)
    with pytest.raises(ArchiveError, match="DOCTYPE"):
        read(data)


def test_it_refuses_xml_that_is_not_well_formed():
    with pytest.raises(ArchiveError, match="non è ben formato"):
        read(ordinary().replace(b"</Numero>", b"</Numro>"))


def test_it_says_nothing_of_other_xml_but_that_it_is_well_formed():
    reader = XmlReader()
    reader.feed(b"<?xml version='1.0'?><catalogo><Attachment>QUJD</Attachment></catalogo>")
    assert reader.close() is None
    reader = XmlReader()
    reader.feed(b"<catalogo><voce></catalogo>")
    with pytest.raises(ArchiveError, match="non è ben formato"):
        reader.close()


def test_it_reads_a_file_with_a_50_mb_attachment_in_little_memory():
    tracemalloc.start()
    try:
        reader = XmlReader()
        for chunk in invoices.with_attachment(50 * 1024 * 1024):
            reader.feed(chunk)
        invoice = reader.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert invoice is not None and invoice.schema_errors == () and invoice.invoices[0].number == "123"
    assert peak < 32 * 1024 * 1024


def test_it_keeps_libxml2s_memory_small_too():
    """tracemalloc sees only Python's memory: the process's peak says what libxml2 held."""
    script = textwrap.dedent(
        """
        import resource, django
        django.setup()
        from archive.ingest.fatturapa import XmlReader
        from archive.ingest.fatturapa_schemas import schema
        from tests.archive.ingest import invoices
        schema("Schema_del_file_xml_FatturaPA_v1.2.3_derivato.xsd")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reader = XmlReader()
        for chunk in invoices.with_attachment(50 * 1024 * 1024):
            reader.feed(chunk)
        assert reader.close().schema_errors == ()
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
        """
    )
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "conserva.settings", "PYTHONPATH": str(root)}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script], cwd=root, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 32  # MB the peak grew by


def test_it_keeps_an_invoice_of_the_types_and_regimes_that_1_2_3_added():
    """TD29 and RF20 (in force since April 2025) against the derived 1.2.3 schema, which the
    second validator takes as valid too, while the official 1.2.2 refuses them."""
    data = ordinary(bodies=(body("C/29", "2025-05-02", "TD29"),)).replace(b"RF01", b"RF20")
    assert b"RF20" in data

    found = read(data)

    assert found.schema_errors == () and found.invoices[0].type_code == "TD29"
    assert found.invoices[0].type_label.startswith("Comunicazione per omessa o irregolare fatturazione")
    assert second_validator(ORDINARY_XSD).is_valid(io.BytesIO(data))
    assert not second_validator("Schema_del_file_xml_FatturaPA_v1.2.2.xsd").is_valid(io.BytesIO(data))
