"""Paying by sandbox card, with the bank's second step, and getting the invoice, in Debian's Chromium."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.models import Invoice
from payments.models import SavedCard
from tests import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer(transactional_db):
    cast.plan(name="Professional", storage_gb=20, price_net="290.00")
    return cast.customer("rossi@example.com", "Studio Rossi S.r.l.")


def log_in(page, base_url):
    page.goto(f"{base_url}/account/accedi/")
    page.get_by_label("Email").fill("rossi@example.com")
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_role("button", name="Accedi").click()


def test_a_customer_pays_by_card_and_downloads_the_invoice_from_the_order(page, live_server, customer, screenshot):
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/piani/")
    page.get_by_role("button", name="Acquista Professional").click()
    page.get_by_label("Carta di pagamento").check()
    page.get_by_role("button", name="Continua").click()

    # The provider's hosted page: a card that needs the bank's second step, saved for renewals
    page.get_by_label("Intestatario").fill("Mario Rossi")
    page.get_by_label("Numero della carta").fill("4000 0027 6000 3184")
    page.get_by_label("Scadenza (MM/AA)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Salva la carta per i rinnovi automatici").check()
    page.get_by_role("button", name=re.compile("^Paga ")).click()
    expect(page.get_by_role("heading", name="Autenticazione 3-D Secure")).to_be_visible()
    screenshot(page, "sandbox-3d-secure")
    page.get_by_role("button", name="Conferma il pagamento").click()
    expect(page.get_by_role("heading", name="Pagamento ricevuto")).to_be_visible()

    # The invoice is listed on the order's row and downloads as a PDF
    invoice = Invoice.objects.get()
    page.get_by_role("link", name="Ordini", exact=True).click()
    row = page.locator(f"#order-{invoice.order.number}")
    expect(row).to_contain_text("ATTIVO")
    link = row.get_by_role("link", name=f"Fattura {invoice.number} (PDF)")
    expect(link).to_be_visible()
    screenshot(page, "orders-with-invoice")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == invoice.pdf_filename
    text = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert f"Fattura n. {invoice.number}" in text and "Studio Rossi S.r.l." in text and "353,80" in text

    page.get_by_role("link", name=invoice.order.number).click()
    expect(page.locator("#invoices")).to_contain_text(f"Fattura {invoice.number}")

    # The saved card: only the provider's token is kept; the customer sees and removes it
    assert SavedCard.objects.get().last4 == "3184"
    page.goto(f"{live_server.url}/pagamenti/carta-salvata/")
    expect(page.locator("#saved-card")).to_contain_text("•••• 3184")
    page.get_by_role("button", name="Rimuovi la carta").click()
    expect(page.locator("#saved-card")).to_contain_text("Nessuna carta salvata")
