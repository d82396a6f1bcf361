"""The preservation panel in Debian's Chromium: from the service page into the panel, a batch
deposited with its metadata sheet, its receipt, the invoice found by VAT number and downloaded
byte-identical, and the service page's space (S6) grown by what was kept."""

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lib import clock
from subscriptions.models import Service
from tests import cast
from tests.archive import files
from tests.archive.conftest import _archive_in_a_temporary_folder, document_classes  # noqa: F401  (fixtures)
from tests.browser.test_bank_transfer import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUOTA_BYTES = 200_000  # small, so that two documents move the percentage


@pytest.fixture
def service(transactional_db, document_classes):  # noqa: F811
    customer = cast.customer("rossi@example.com", "Studio Rossi S.r.l.")
    service = cast.active_service(customer, cast.plan(), activated_on=clock.today())
    Service.objects.filter(pk=service.pk).update(quota_bytes=QUOTA_BYTES)
    return service


def test_a_customer_deposits_finds_and_downloads_documents_in_the_panel(
    page, live_server, service, tmp_path, screenshot
):
    verbale, invoice = tmp_path / "verbale.pdf", tmp_path / "fattura.xml"
    verbale.write_bytes(files.pdf("Verbale di assemblea"))
    invoice.write_bytes(files.invoice_xml(service.customer))
    sheet = tmp_path / "metadati.csv"
    sheet.write_text(
        "file;data;oggetto;parole_chiave\nverbale.pdf;2026-03-01;Verbale di assemblea;assemblea\n"
        "fattura.xml;;Canone del servizio;canone\n"
    )
    log_in(page, live_server.url, "rossi@example.com")
    page.goto(f"{live_server.url}{service.get_absolute_url()}")
    expect(page.locator("#space")).to_contain_text("0,0%")

    page.get_by_role("button", name="Accedi al Pannello").click()
    expect(page.get_by_role("heading", name="Archivio di conservazione")).to_be_visible()
    expect(page.locator("#panel-context")).to_contain_text("Studio Rossi S.r.l.")
    screenshot(page, "panel-home")

    page.get_by_role("link", name="Versa documenti").click()
    page.get_by_label("Classe documentale").select_option(label="Documento generico")
    page.locator("#id_files").set_input_files([str(verbale), str(invoice)])
    page.locator("#id_sheet").set_input_files(str(sheet))
    screenshot(page, "panel-deposit")
    page.get_by_role("button", name="Versa", exact=True).click()

    expect(page.get_by_role("heading", name="Rapporto di versamento")).to_be_visible()
    for path in (verbale, invoice):
        expect(page.locator("#receipt-documents")).to_contain_text(hashlib.sha256(path.read_bytes()).hexdigest())
    expect(page.locator("#package-hash")).to_have_text(service.deposits.get().package_sha256)
    screenshot(page, "panel-receipt")

    page.get_by_role("link", name="Cerca", exact=True).click()
    page.get_by_label("Partita IVA o codice fiscale").fill("IT01234560512")
    page.get_by_role("button", name="Cerca", exact=True).click()
    expect(page.locator("#result-count")).to_have_text("1 documento trovato")
    screenshot(page, "panel-search")
    page.locator("#results").get_by_role("link", name="fattura.xml").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica il documento").click()
    assert download.value.suggested_filename == "fattura.xml"
    assert Path(download.value.path()).read_bytes() == invoice.read_bytes()

    page.goto(f"{live_server.url}{service.get_absolute_url()}")
    share = (verbale.stat().st_size + invoice.stat().st_size) * 100 / QUOTA_BYTES
    expect(page.locator("#space")).to_contain_text(f"{share:.1f}%".replace(".", ","))

    page.goto(f"{live_server.url}/pannello/{service.public_id}/")
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#deadlines")).to_be_visible()
    screenshot(page, "panel-home-en")
