"""Archivio, a document's page and its download, the deposits and their receipts: as the customer
who entered by the link and as the panel's own login."""

import hashlib

import pytest

from archive import receipts
from archive.errors import ArchiveError
from archive.models import Deposit
from archive.receipts import xml_errors
from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(service, rossi):
    """A verbale and rossi's own invoice, in two packages."""
    verbale = deposit(service, {"verbale.pdf": files.pdf("Verbale")}).documents.get()
    invoice = deposit(
        service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={}
    ).documents.get()
    return verbale, invoice


@pytest.fixture(params=["panel", "accountant"])
def visitor(request):
    """The customer who entered by the link, then whoever has the panel's own login."""
    return request.getfixturevalue(request.param)


def test_the_home_shows_the_company_the_space_and_the_links(visitor, service):
    page = visitor.get(panel_url("home", service)).content.decode()
    assert "Studio Rossi S.r.l." in page and 'id="panel-space"' in page
    for name in ["deposit", "documents", "deposits"]:
        assert panel_url(name, service) in page


def test_the_home_shows_each_fiscal_years_deadline_and_warns_when_near(visitor, service, rossi, settings):
    deposit(service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={})
    settings.ARCHIVE_DEADLINE_WARNING_DAYS = 400  # 2025's deadline, 31 January 2027, is near

    page = visitor.get(panel_url("home", service)).content.decode()
    table = page[page.index('id="deadlines"') :]
    assert "2026" in table and "31 Gennaio 2028" in table  # the invoice's year, with its one document
    assert "31 Gennaio 2027" in table and "⚠ Mancano 327 giorni" in table


def test_the_search_finds_by_each_field_and_links_each_document(visitor, service, kept):
    verbale, invoice = kept
    url = panel_url("documents", service)
    everything = visitor.get(url).content.decode()
    assert "2 documenti trovati" in everything
    searches = {
        "document_class": "fattura-attiva",
        "tax_id": "01234560512",
        "subject_name": "conserva",
        "number": "2026/000001",
        "sha256": invoice.sha256,
    }
    for field, value in searches.items():
        found = visitor.get(url, {field: value}).content.decode()
        assert panel_url("document", service, invoice.public_id) in found, field
        assert panel_url("document", service, verbale.public_id) not in found, field
    assert "1 documento trovato" in visitor.get(url, {"keyword": "riunione"}).content.decode()
    assert "0 documenti trovati" in visitor.get(url, {"date_from": "2026-04-01"}).content.decode()


def test_the_results_are_paginated_keeping_the_search(panel, service, settings):
    settings.ARCHIVE_DOCUMENTS_PER_PAGE = 2
    deposit(service, {f"verbale-{n}.pdf": files.pdf(f"Verbale {n}") for n in range(3)})

    first = panel.get(panel_url("documents", service), {"keyword": "riunione"}).content.decode()
    assert "Pagina 1 di 2" in first and "?keyword=riunione&amp;pagina=2" in first
    second = panel.get(panel_url("documents", service), {"keyword": "riunione", "pagina": 2}).content.decode()
    assert "Pagina 2 di 2" in second


def test_a_wrong_date_is_said_in_the_form(panel, service):
    page = panel.get(panel_url("documents", service), {"date_from": "31 marzo"}).content.decode()
    assert "Inserisci una data valida" in page


def test_the_document_page_shows_metadata_subjects_hash_format_and_receipt(visitor, service, kept):
    _verbale, invoice = kept
    page = visitor.get(panel_url("document", service, invoice.public_id)).content.decode()
    assert invoice.sha256 in page and "2026/000001" in page and "Conserva S.r.l." in page
    assert "IT01234560512" in page and "XML" in page
    assert panel_url("receipt", service, invoice.deposit.public_id) in page
    assert panel_url("download", service, invoice.public_id) in page


def test_the_download_is_byte_identical_with_the_files_own_name(visitor, service, rossi, kept):
    _verbale, invoice = kept
    response = visitor.get(panel_url("download", service, invoice.public_id))
    data = b"".join(response.streaming_content)
    assert data == files.invoice_xml(rossi) and hashlib.sha256(data).hexdigest() == invoice.sha256
    assert response["Content-Disposition"] == 'attachment; filename="fattura.xml"'


def test_a_document_whose_file_changed_is_not_delivered(panel, service, kept, settings):
    verbale, _invoice = kept
    blob = next(path for path in (settings.ARCHIVE_STORAGE_ROOT / "blobs").rglob("*") if verbale.sha256 in path.name)
    blob.chmod(0o644)
    blob.write_bytes(b"altro")

    response = panel.get(panel_url("download", service, verbale.public_id), follow=True)
    assert "non corrisponde più alla sua impronta" in response.content.decode()


def test_the_deposits_list_shows_accepted_and_rejected_packages(visitor, service, kept):
    verbale, _invoice = kept
    with pytest.raises(ArchiveError):
        deposit(service, {"finto.pdf": b"non un PDF"})
    rejected = Deposit.objects.get(status=Deposit.Status.REJECTED)

    page = visitor.get(panel_url("deposits", service)).content.decode()
    assert page.count("ACCETTATO") >= 2 and "RIFIUTATO" in page
    assert panel_url("receipt", service, verbale.deposit.public_id) in page
    assert panel_url("receipt", service, rejected.public_id) not in page
    detail = visitor.get(panel_url("deposit_detail", service, rejected.public_id)).content.decode()
    assert "finto.pdf" in detail and "nessun documento è stato conservato" in detail
    assert visitor.get(panel_url("receipt", service, rejected.public_id)).status_code == 404
    assert panel_url("receipt_xml", service, rejected.public_id) in detail


def test_a_rejected_package_has_its_negative_outcome_in_xml(visitor, service):
    with pytest.raises(ArchiveError):
        deposit(service, {"finto.pdf": b"non un PDF", "vuoto.txt": b""})
    rejected = Deposit.objects.get(status=Deposit.Status.REJECTED)

    response = visitor.get(panel_url("receipt_xml", service, rejected.public_id))

    assert response.status_code == 200
    assert f'filename="esito-negativo-{rejected.public_id}.xml"' in response["Content-Disposition"]
    xml = response.content.decode()
    assert receipts.xml_errors(xml, receipts.OUTCOME_SCHEMA) == []
    assert "<NomeFile>finto.pdf</NomeFile>" in xml and "<NomeFile>vuoto.txt</NomeFile>" in xml
    assert "<Esito>RIFIUTATO</Esito>" in xml and str(rejected.public_id) in xml


def test_the_receipt_is_a_printable_page_and_its_xml(visitor, service, kept):
    verbale, _invoice = kept
    receipt = verbale.deposit
    page = visitor.get(panel_url("receipt", service, receipt.public_id)).content.decode()
    assert str(receipt.public_id) in page and receipt.package_sha256 in page and verbale.sha256 in page
    assert receipt.submitted_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" in page

    response = visitor.get(panel_url("receipt_xml", service, receipt.public_id))
    assert response["Content-Disposition"] == f'attachment; filename="rapporto-di-versamento-{receipt.public_id}.xml"'
    assert response.content.decode() == receipt.receipt_xml
    assert xml_errors(response.content.decode()) == []  # the receipt's own schema
