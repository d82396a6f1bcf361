import json
import sys
import zlib

import pikepdf
import pytest

from archive.ingest import pdfa
from archive.ingest.pdfa import pdf_report, pdfa_findings, verapdf_parsed, verapdf_report
from archive.models import PdfaPolicy
from tests.archive.ingest import samples


@pytest.fixture
def report_of(tmp_path):
    def report(pdf_or_data, **options):
        data = pdf_or_data if isinstance(pdf_or_data, bytes) else samples.saved(pdf_or_data, **options)
        return pdf_report(samples.staged(tmp_path, data))

    return report


def codes(found):
    return [(finding.level, finding.code) for finding in found]


def test_it_labels_a_pdfa_2b_that_keeps_every_rule(report_of):
    report = report_of(samples.pdfa())
    assert (report.claimed, report.failures, report.version) == ("PDF/A-2b", (), "1.7")
    assert report.label == "PDF/A-2b (dichiarato)"
    assert pdfa_findings(report, PdfaPolicy.REQUIRED) == []


def test_it_labels_a_plain_pdf_by_its_version(report_of):
    report = report_of(samples.plain_pdf((1, 4)))
    assert (report.label, report.claimed, report.failures) == ("PDF 1.4", "", ())
    assert pdfa_findings(report, PdfaPolicy.NOT_NEEDED) == []


def test_it_refuses_a_plain_pdf_where_pdfa_is_required_and_warns_where_it_is_wanted(report_of):
    report = report_of(samples.plain_pdf((1, 3)))
    [required] = pdfa_findings(report, PdfaPolicy.REQUIRED)
    assert required.is_error and required.code == pdfa.PDFA_REQUIRED
    assert required.message == "La classe richiede un PDF/A, ma il file è PDF 1.3."
    [wanted] = pdfa_findings(report, PdfaPolicy.WANTED)
    assert not wanted.is_error and wanted.code == pdfa.PDFA_WANTED


def without_output_intent(pdf):
    del pdf.Root.OutputIntents
    return pdf


def without_its_profile(pdf):
    del pdf.Root.OutputIntents[0].DestOutputProfile
    return pdf


def with_javascript_on_opening(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('ciao')"))
    return pdf


def with_javascript_in_a_link(pdf):
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.print()"))
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9], A=action)
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    return pdf


def with_a_bogus_part(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "5"
    return pdf


def as_pdfa_3_with_an_attachment_without_relationship(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "3"
    samples.attach(pdf, "fattura.xml", b"<fattura/>")
    return pdf


def as_pdfa_1_with_an_attachment(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "1"
    samples.attach(pdf, "fattura.xml", b"<fattura/>", relationship="Source")
    return pdf


@pytest.mark.parametrize(
    ("broken", "failure"),
    [
        (without_output_intent, "manca l'OutputIntent PDF/A (GTS_PDFA1)"),
        (without_its_profile, "l'OutputIntent PDF/A non incorpora il profilo colore (DestOutputProfile)"),
        (with_javascript_on_opening, "contiene JavaScript"),
        (with_javascript_in_a_link, "contiene JavaScript"),
        (with_a_bogus_part, "dichiarazione PDF/A non valida (parte «5», livello «B»)"),
        (as_pdfa_3_with_an_attachment_without_relationship, "allegati senza AFRelationship: fattura.xml"),
        (as_pdfa_1_with_an_attachment, "contiene allegati, che PDF/A-1 non ammette"),
    ],
)
def test_it_does_not_label_as_pdfa_a_claim_that_breaks_a_rule(report_of, broken, failure):
    report = report_of(broken(samples.pdfa()))
    assert report.failures == (failure,)
    assert not report.is_pdfa and report.label.endswith(f"(dichiara {report.claimed}, non conforme)")
    [*_, claim] = pdfa_findings(report, PdfaPolicy.NOT_NEEDED)
    assert (claim.level, claim.code) == ("AVVISO", pdfa.PDFA_CLAIM_FAILED) and failure in claim.message


def test_it_names_the_fonts_not_embedded(report_of):
    report = report_of(samples.pdfa(embedded_font=False))
    assert report.failures == ("font non incorporati: Helvetica",)
    assert report.label == "PDF 1.7 (dichiara PDF/A-2b, non conforme)"


def test_it_refuses_where_pdfa_is_required_a_claim_that_fails_and_says_why(report_of):
    report = report_of(samples.pdfa(embedded_font=False))
    assert codes(pdfa_findings(report, PdfaPolicy.REQUIRED)) == [
        ("AVVISO", pdfa.PDFA_CLAIM_FAILED),
        ("ERRORE", pdfa.PDFA_REQUIRED),
    ]


def test_it_accepts_a_pdfa_3_attachment_with_its_relationship(report_of):
    pdf = samples.pdfa("3", "B")
    samples.attach(pdf, "fattura.xml", b"<fattura/>", relationship="Source")
    assert report_of(pdf).label == "PDF/A-3b (dichiarato)"


def test_it_accepts_a_pdfa_4_without_a_conformance_level(report_of):
    assert report_of(samples.pdfa("4", "")).label == "PDF/A-4 (dichiarato)"


def test_it_warns_of_javascript_in_any_pdf(report_of):
    report = report_of(with_javascript_on_opening(samples.opened(samples.plain_pdf())))
    assert report.has_javascript and report.failures == ()
    assert codes(pdfa_findings(report, PdfaPolicy.NOT_NEEDED)) == [("AVVISO", pdfa.JAVASCRIPT)]


def test_it_refuses_a_pdf_that_needs_a_password(report_of):
    encrypted = pikepdf.Encryption(owner="proprietario", user="utente")
    report = report_of(samples.pdfa(), encryption=encrypted)
    assert report.encrypted and report.label == "PDF 1.7"
    assert codes(pdfa_findings(report, PdfaPolicy.NOT_NEEDED)) == [("ERRORE", pdfa.ENCRYPTED)]


def test_it_refuses_an_encrypted_pdf_that_opens_without_a_password(report_of):
    report = report_of(samples.pdfa(), encryption=pikepdf.Encryption(owner="proprietario", user=""))
    assert report.encrypted and "è cifrato" in report.failures
    assert codes(pdfa_findings(report, PdfaPolicy.NOT_NEEDED)) == [("ERRORE", pdfa.ENCRYPTED)]


def test_it_refuses_a_damaged_pdf(report_of):
    report = report_of(samples.GUIDE_TEXT)
    assert report.damaged and not report.is_pdfa
    [refusal] = pdfa_findings(report, PdfaPolicy.WANTED)
    assert refusal.is_error and refusal.message == "Il PDF è danneggiato o non leggibile."


def test_it_takes_the_catalogs_version_when_later_than_the_header(report_of):
    pdf = samples.opened(samples.plain_pdf((1, 4)))
    pdf.Root.Version = pikepdf.Name("/1.7")
    assert report_of(pdf, min_version="1.4", force_version="1.4").version == "1.7"


def test_it_walks_a_cycle_once_and_stops_at_a_hostile_size(report_of, monkeypatch):
    pdf = samples.pdfa()
    loop = pdf.make_indirect(pikepdf.Dictionary())
    loop.Next = loop
    pdf.Root.Loop = loop
    assert report_of(pdf).is_pdfa
    pdf.Root.Many = pikepdf.Array(range(2_000))
    monkeypatch.setattr(pdfa, "MAX_VALUES", 1_000)
    assert report_of(pdf).failures == ("troppi oggetti per essere verificato",)


def test_it_does_not_inflate_a_compressed_metadata_bomb(report_of, monkeypatch):
    pdf = samples.pdfa()
    packet = pdf.Root.Metadata.read_bytes() + b" " * 100_000
    pdf.Root.Metadata = pdf.make_stream(zlib.compress(packet), Filter=pikepdf.Name.FlateDecode)
    kept_compressed = {"fix_metadata_version": False, "stream_decode_level": pikepdf.StreamDecodeLevel.none}
    assert report_of(pdf, **kept_compressed).claimed == "PDF/A-2b"
    monkeypatch.setattr(pdfa, "MAX_XMP_BYTES", 50_000)
    assert report_of(pdf, **kept_compressed).claimed == ""


VERAPDF_JSON = {
    "report": {
        "jobs": [
            {
                "validationResult": [
                    {
                        "profileName": "PDF/A-2B validation profile",
                        "compliant": False,
                        "details": {
                            "failedRules": 1,
                            "ruleSummaries": [
                                {
                                    "status": "failed",
                                    "clause": "6.2.11.4.1",
                                    "testNumber": 1,
                                    "description": "The font programs for all fonts used shall be embedded",
                                }
                            ],
                        },
                    }
                ]
            }
        ]
    }
}
VERAPDF_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<report><jobs><job><validationReport profileName="PDF/A-1B validation profile" isCompliant="false">
<details passedRules="100" failedRules="1"><rule specification="ISO 19005-1:2005" clause="6.1.7" testNumber="2"
status="failed" failedChecks="1"><description>A stream shall not have a Filter key</description></rule>
</details></validationReport></job></jobs></report>"""


def test_it_runs_no_verapdf_without_its_setting(tmp_path, settings):
    settings.ARCHIVE_VERAPDF_COMMAND = ""
    assert verapdf_report(samples.staged(tmp_path, samples.saved(samples.pdfa()))) is None


def test_it_adds_the_rules_verapdf_finds_broken(report_of, tmp_path, settings):
    fake = tmp_path / "verapdf.py"
    fake.write_text(f"import sys\nprint({json.dumps(json.dumps(VERAPDF_JSON))})\n")
    settings.ARCHIVE_VERAPDF_COMMAND = f"{sys.executable} {fake} --format json"
    report = report_of(samples.pdfa())
    assert report.failures == ("veraPDF 6.2.11.4.1-1: The font programs for all fonts used shall be embedded",)
    assert report.checked_with[-1] == "veraPDF (PDF/A-2B validation profile)"


def test_it_reads_verapdfs_xml_report_too():
    found = verapdf_parsed(VERAPDF_XML)
    assert found is not None and not found.compliant
    assert found.failed_rules == ("6.1.7-2: A stream shall not have a Filter key",)


def test_it_keeps_the_claim_as_checked_when_verapdf_cannot_run(report_of, settings):
    settings.ARCHIVE_VERAPDF_COMMAND = "/nonexistent/verapdf"
    assert report_of(samples.pdfa()).is_pdfa
    assert verapdf_parsed(b"not a report") is None
