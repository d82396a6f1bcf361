import base64
import random

import pytest

from archive.ingest import identify as identification
from archive.ingest.formats import Format
from archive.ingest.identify import Identity, format_findings, identify
from tests.archive import files
from tests.archive.ingest import samples

EVERY_FORMAT = [code.value for code in Format]


@pytest.fixture
def stage(tmp_path):
    return lambda data: samples.staged(tmp_path, data)


def test_it_names_a_pdf_1_3_by_its_puid(stage):
    found = identify(stage(samples.plain_pdf((1, 3))), "verbale.pdf")
    assert (found.format, found.puid, found.version, found.basis) == (Format.PDF, "fmt/17", "1.3", "PRONOM")
    assert found.label == "PDF 1.3"
    assert found.name == "Acrobat PDF 1.3 - Portable Document Format"


def test_it_names_a_pdf_1_7(stage):
    found = identify(stage(samples.pikepdf_pdf("1.7")), "verbale.pdf")
    assert (found.puid, found.label, found.media_type) == ("fmt/276", "PDF 1.7", "application/pdf")


@pytest.mark.parametrize(
    ("data", "name", "expected", "puid"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<fattura/>\n', "fattura.xml", Format.XML, "fmt/101"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><fattura/>", "fattura.xml", Format.XML, "fmt/101"),
        (samples.png(), "foto.png", Format.PNG, "fmt/11"),
        (samples.jpeg(), "foto.jpg", Format.JPEG, "fmt/43"),
        (samples.tiff(), "scansione.tif", Format.TIFF, "fmt/353"),
        (samples.docx(), "lettera.docx", Format.DOCX, "fmt/412"),
        (samples.xlsx(), "conti.xlsx", Format.XLSX, "fmt/214"),
        (samples.odt(), "lettera.odt", Format.ODT, "fmt/291"),
        (samples.ods(), "conti.ods", Format.ODS, "fmt/295"),
        (samples.eml(), "messaggio.eml", Format.EML, "fmt/950"),
        (b"Verbale della riunione del 1 marzo.\n", "verbale.txt", Format.TXT, "x-fmt/111"),
        (b"data;importo\n2026-03-01;12,50\n", "movimenti.csv", Format.TXT, "x-fmt/111"),
        (files.signed(b"%PDF-1.4 firmato"), "verbale.pdf.p7m", Format.P7M, "fmt/670"),
    ],
)
def test_it_identifies_each_format_by_pronom(stage, data, name, expected, puid):
    found = identify(stage(data), name)
    assert (found.format, found.puid, found.basis) == (expected, puid, "PRONOM")
    assert format_findings(found, name, allowed=EVERY_FORMAT, class_name="Documento generico") == []


def test_it_leaves_xml_without_its_declaration_to_libmagic_and_the_name(stage):
    data = b'<p:FatturaElettronica xmlns:p="urn:fattura" versione="FPR12"/>\n'
    as_xml = identify(stage(data), "fattura.xml")
    assert (as_xml.format, as_xml.puid, as_xml.basis) == (Format.XML, "", "libmagic")
    assert identify(stage(data), "fattura.txt").format == Format.TXT


def test_it_leaves_a_base64_p7m_to_libmagic_and_the_name(stage):
    data = base64.encodebytes(files.signed(b"<fattura/>"))
    found = identify(stage(data), "fattura.xml.p7m")
    assert (found.format, found.basis) == (Format.P7M, "libmagic")
    assert identify(stage(data), "fattura.txt").format == Format.TXT


def test_it_refuses_the_guides_text_named_as_a_pdf(stage):
    found = identify(stage(samples.GUIDE_TEXT), "verbale.pdf")
    assert len(samples.GUIDE_TEXT) == 47
    assert (found.format, found.puid) == (Format.TXT, "x-fmt/111")  # libmagic alone calls it a PDF
    [refusal] = format_findings(found, "verbale.pdf", allowed=EVERY_FORMAT, class_name="Documento generico")
    assert refusal.is_error and refusal.code == identification.NAME_MISMATCH
    assert refusal.message == ("Il file «verbale.pdf» si chiama come un PDF, ma il contenuto non lo è: è Testo.")


def test_it_refuses_unknown_content_where_the_class_lists_its_formats(stage):
    found = identify(stage(random.Random(7).randbytes(4096)), "x.bin")
    assert found.format is None and found.puid == ""
    [refusal] = format_findings(found, "x.bin", allowed=["PDF"], class_name="Contratto")
    assert refusal.is_error and refusal.code == identification.UNKNOWN
    assert format_findings(found, "x.bin", allowed=[], class_name="Qualsiasi") == []


def test_it_refuses_unknown_content_named_as_one_of_ours(stage):
    found = identify(stage(random.Random(7).randbytes(4096)), "verbale.pdf")
    [refusal] = format_findings(found, "verbale.pdf", allowed=[], class_name="Qualsiasi")
    assert refusal.code == identification.NAME_MISMATCH and refusal.params["claimed"] == "PDF"


def test_it_never_takes_an_extension_for_content(tmp_path):
    staged_with_extension = samples.staged(tmp_path, random.Random(7).randbytes(4096), "verbale.pdf")
    assert identify(staged_with_extension, "verbale.pdf").format is None


def test_it_refuses_a_format_the_class_does_not_list(stage):
    found = identify(stage(samples.png()), "foto.png")
    [refusal] = format_findings(found, "foto.png", allowed=["PDF", "XML"], class_name="Fattura attiva")
    assert refusal.code == identification.NOT_ALLOWED
    assert refusal.message == "Il formato PNG non è ammesso per la classe «Fattura attiva» (ammessi: PDF, XML)."


def test_it_refuses_a_name_with_another_extension_or_none(stage):
    found = identify(stage(samples.jpeg()), "foto.jfif")
    assert format_findings(found, "foto.jfif", allowed=EVERY_FORMAT, class_name="x")[0].code == (
        identification.WRONG_EXTENSION
    )
    assert format_findings(found, "foto.png", allowed=EVERY_FORMAT, class_name="x")[0].code == (
        identification.NAME_MISMATCH
    )
    assert format_findings(found, "foto", allowed=EVERY_FORMAT, class_name="x")[0].code == identification.NO_EXTENSION


def test_it_lets_a_signed_document_have_no_extension(stage):
    found = identify(stage(samples.plain_pdf()), "verbale")
    assert format_findings(found, "verbale", allowed=EVERY_FORMAT, class_name="x", extension_required=False) == []


def test_it_keeps_an_identity_as_json(stage):
    found = identify(stage(samples.plain_pdf((1, 3))), "verbale.pdf")
    assert Identity.from_json(found.as_json()) == found
    unknown = identify(stage(b"\0\1\2\3" * 100), "x.bin")
    assert Identity.from_json(unknown.as_json()) == unknown


def test_it_names_its_tools_with_their_versions():
    assert set(identification.tools()) == {"siegfried", "libmagic"}
