"""Versa: a package through the page, its receipt, and the refusals shown file by file."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.models import Deposit, Document
from audit.actors import SYSTEM
from subscriptions.models import Service
from subscriptions.services import service_expire
from tests.archive import files
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db


def pdf_with_metadata(data, name="verbale.pdf"):
    return {
        "document_class": "documento-generico",
        "files": SimpleUploadedFile(name, data),
        "data": "2026-03-01",
        "oggetto": "Verbale di assemblea",
        "parole_chiave": "assemblea, soci",
    }


def test_it_shows_the_form_with_each_classes_required_metadata_and_formats(panel, service):
    page = panel.get(panel_url("deposit", service)).content.decode()
    assert 'type="file"' in page and "multiple" in page and 'enctype="multipart/form-data"' in page
    assert "Fattura attiva" in page and "identificativo (numero del documento)" in page
    assert "XML, P7M, PDF" in page
    assert "un unico ZIP" in page  # Django takes at most 100 files a request


def test_it_deposits_a_pdf_with_typed_metadata_and_shows_its_receipt(panel, service):
    data = files.pdf("Verbale")
    response = panel.post(panel_url("deposit", service), pdf_with_metadata(data))

    deposit = Deposit.objects.get()
    assert response.url == panel_url("receipt", service, deposit.public_id)
    receipt = panel.get(response.url).content.decode()
    assert str(deposit.public_id) in receipt and deposit.package_sha256 in receipt
    assert hashlib.sha256(data).hexdigest() in receipt and "UTC" in receipt
    document = Document.objects.get()
    assert (document.subject_matter, str(document.document_date)) == ("Verbale di assemblea", "2026-03-01")
    assert sorted(document.keywords.values_list("keyword", flat=True)) == ["assemblea", "soci"]


def test_it_deposits_a_fatturapa_reading_its_parties_and_finds_it_by_vat_number(panel, service, rossi):
    invoice = files.invoice_xml(rossi)
    before = Service.objects.get(pk=service.pk).used_bytes
    response = panel.post(
        panel_url("deposit", service),
        {"document_class": "fattura-attiva", "files": SimpleUploadedFile("fattura.xml", invoice)},
    )
    assert response.status_code == 302
    assert hashlib.sha256(invoice).hexdigest() in panel.get(response.url).content.decode()

    found = panel.get(panel_url("documents", service), {"tax_id": "IT01234560512"}).content.decode()
    document = Document.objects.get()
    assert panel_url("document", service, document.public_id) in found and "1 documento trovato" in found
    download = panel.get(panel_url("download", service, document.public_id))
    assert b"".join(download.streaming_content) == invoice
    assert Service.objects.get(pk=service.pk).used_bytes == before + len(invoice)


def test_the_service_pages_space_is_the_documents_at_once(panel, service):
    Service.objects.filter(pk=service.pk).update(quota_bytes=100_000)
    data = files.pdf("Un verbale")
    assert "0,0%" in panel.get(service.get_absolute_url()).content.decode()

    panel.post(panel_url("deposit", service), pdf_with_metadata(data))

    share = f"{len(data) * 100 / 100_000:.1f}".replace(".", ",")
    assert f"{share}%" in panel.get(service.get_absolute_url()).content.decode()
    assert f"{share}%" in panel.get(panel_url("home", service)).content.decode()


def test_several_files_and_their_sheet_go_in_one_package(panel, service):
    sheet = "file;data;oggetto\nuno.pdf;2026-03-02;Primo\ndue.pdf;2026-03-03;Secondo\n"
    response = panel.post(
        panel_url("deposit", service),
        {
            "document_class": "documento-generico",
            "files": [SimpleUploadedFile("uno.pdf", files.pdf("1")), SimpleUploadedFile("due.pdf", files.pdf("2"))],
            "sheet": SimpleUploadedFile("metadati.csv", sheet.encode()),
        },
    )
    assert response.status_code == 302
    assert sorted(Document.objects.values_list("subject_matter", flat=True)) == ["Primo", "Secondo"]


def test_a_zip_with_its_own_sheet_is_one_package(panel, service):
    sheet = "file,data,oggetto\nverbale.pdf,2026-03-02,Verbale\n"
    package = files.zipped({"verbale.pdf": files.pdf(), "metadati.csv": sheet.encode()})
    response = panel.post(
        panel_url("deposit", service),
        {"document_class": "documento-generico", "files": SimpleUploadedFile("lotto.zip", package)},
    )
    assert response.status_code == 302 and Document.objects.get().name == "verbale.pdf"


def test_a_refused_package_shows_each_files_reason_and_keeps_nothing(panel, service):
    response = panel.post(
        panel_url("deposit", service),
        {
            "document_class": "fattura-attiva",
            "files": [SimpleUploadedFile("finta.pdf", b"non sono un PDF"), SimpleUploadedFile("vuoto.xml", b"")],
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "<code>finta.pdf</code>:" in page and "<code>vuoto.xml</code>:" in page
    assert reverse("orders:increase_space", args=[service.public_id]) not in page  # not a matter of space
    assert not Document.objects.exists() and Service.objects.get(pk=service.pk).used_bytes == 0
    rejected = Deposit.objects.get()
    assert rejected.status == Deposit.Status.REJECTED
    listed = panel.get(panel_url("deposit_detail", service, rejected.public_id)).content.decode()
    assert "finta.pdf" in listed and "vuoto.xml" in listed


def test_typed_metadata_are_for_one_file_only(panel, service):
    form = pdf_with_metadata(files.pdf("1"))
    form["files"] = [SimpleUploadedFile("uno.pdf", files.pdf("1")), SimpleUploadedFile("due.pdf", files.pdf("2"))]
    response = panel.post(panel_url("deposit", service), form)
    assert "valgono per un solo file" in response.content.decode()
    assert not Deposit.objects.exists()


def test_a_deposit_over_the_quota_is_refused_with_nothing_stored_and_a_link_to_more_space(panel, service, settings):
    data = files.pdf()
    Service.objects.filter(pk=service.pk).update(quota_bytes=len(data) - 1)

    response = panel.post(panel_url("deposit", service), pdf_with_metadata(data))

    page = response.content.decode()
    assert "Spazio insufficiente" in page
    assert reverse("orders:increase_space", args=[service.public_id]) in page
    assert reverse("orders:renew", args=[service.public_id]) in page
    assert not Document.objects.exists() and Service.objects.get(pk=service.pk).used_bytes == 0
    assert not [path for path in settings.ARCHIVE_STORAGE_ROOT.rglob("*") if path.is_file()]


def test_an_expired_service_cannot_deposit_but_still_searches_and_downloads(panel, service, rossi):
    data = files.pdf()
    panel.post(panel_url("deposit", service), pdf_with_metadata(data))
    document = Document.objects.get()
    service_expire(service_id=service.pk, today=service.expires_on + datetime.timedelta(days=1), actor=SYSTEM)

    page = panel.get(panel_url("deposit", service)).content.decode()
    assert "Il servizio è scaduto" in page and 'id="deposit-form"' not in page
    assert reverse("orders:renew", args=[service.public_id]) in page
    refused = panel.post(panel_url("deposit", service), pdf_with_metadata(files.pdf("altro")))
    assert 'id="deposit-form"' not in refused.content.decode() and Document.objects.count() == 1

    assert panel.get(panel_url("documents", service)).content.decode().count(str(document.public_id)) == 1
    download = panel.get(panel_url("download", service, document.public_id))
    assert b"".join(download.streaming_content) == data


def test_whoever_has_the_panels_own_login_deposits_and_is_named_on_the_receipt(accountant, service):
    response = accountant.post(panel_url("deposit", service), pdf_with_metadata(files.pdf()))

    receipt = accountant.get(response.url).content.decode()
    assert f"{service.panel_username}@pannello.invalid" in receipt
    assert reverse("orders:renew", args=[service.public_id]) not in receipt  # nothing of the customer area


def test_pressing_versa_with_no_file_asks_for_one_and_records_nothing(panel, service):
    """A browser sends an empty file part when none was chosen: the form asks for a file; no
    package is rejected (nor counted as such) for it."""
    response = panel.post(panel_url("deposit", service), {"document_class": "documento-generico", "files": []})

    assert response.status_code == 200
    assert "Questo campo è obbligatorio." in response.content.decode()
    assert not Deposit.objects.exists()
