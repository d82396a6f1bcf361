"""A bank transfer from the customer's declaration to the operator's statement import, in Debian's Chromium."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import User
from orders.services import order_place_first_purchase
from tests import cast
from tests.payments import camt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def order(transactional_db):
    plan = cast.plan(name="Professional", storage_gb=20, price_net="290.00")
    customer = cast.customer("rossi@example.com", "Studio Rossi S.r.l.")
    operator = User.objects.create_superuser("operatore@example.com", cast.PASSWORD)
    TOTPDevice.objects.create(user=operator, name="Telefono", confirmed=True)  # the back-office asks two factors
    return order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)


def log_in(page, base_url, email):
    page.goto(f"{base_url}/account/accedi/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_role("button", name="Accedi").click()


@pytest.fixture
def operator_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()  # before the live server stops: no request of it is left open


def test_a_declared_transfer_is_paid_when_the_operator_imports_the_statement(
    page, operator_page, live_server, order, tmp_path, screenshot
):
    log_in(page, live_server.url, "rossi@example.com")
    page.goto(f"{live_server.url}/ordini/{order.number}/paga/")
    page.get_by_label("Bonifico bancario").check()
    page.get_by_role("button", name="Continua").click()
    details = page.locator("#transfer-details")
    expect(details).to_contain_text("IT60X0542811101000000123456")
    expect(details).to_contain_text(f"Ordine {order.number}")
    page.get_by_role("button", name="Ho effettuato il bonifico").click()
    expect(page.locator("#status-detail")).to_contain_text("Bonifico dichiarato dal cliente")

    statement = tmp_path / "estratto.xml"
    statement.write_bytes(camt.statement(camt.entry("BANK-1", "353.80", f"Ordine {order.number} Studio Rossi")))
    operator = operator_page
    operator.goto(f"{live_server.url}/admin/login/")
    operator.fill("#id_username", "operatore@example.com")
    operator.fill("#id_password", cast.PASSWORD)
    operator.click("input[type=submit]")
    device = TOTPDevice.objects.get(user__email="operatore@example.com")
    operator.get_by_label("Codice dell'app o codice di recupero").fill(f"{totp(device.bin_key):06d}")
    operator.get_by_role("button", name="Verifica").click()
    operator.goto(f"{live_server.url}/admin/payments/bankstatement/")
    operator.get_by_role("link", name="Importa camt.053").click()
    operator.set_input_files("#id_file", str(statement))
    operator.get_by_role("button", name="Importa").click()
    expect(operator.locator("#import-progress")).to_contain_text("1 ordini pagati, 0 movimenti da verificare")

    page.reload()
    expect(page.get_by_text("ATTIVO").first).to_be_visible()
    expect(page.locator("#invoices")).to_contain_text("Fattura")
    screenshot(page, "transfer-registered")
