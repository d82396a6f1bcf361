"""Steps 1–7 of the customer area as a new customer walks them, in Debian's Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from catalog.models import GB
from lib import clock
from orders.models import Order
from subscriptions.models import Service
from tests import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(transactional_db):
    cast.space_step(size_gb=10, yearly_price_net="70.00")
    return cast.plan(name="Professional", storage_gb=20, price_net="290.00")


def sign_up(page, base_url):
    page.goto(f"{base_url}/account/registrati/")
    page.get_by_label("Email").fill("nuovo@studio.example")
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_label("Ragione sociale").fill("Studio Nuovo S.r.l.")
    page.get_by_label("Partita IVA").fill("01234560513")  # a wrong check digit first
    page.get_by_label("Indirizzo").fill("Via Verdi 3")
    page.get_by_label("CAP").fill("52100")
    page.get_by_label("Comune").fill("Arezzo")
    page.get_by_label("Provincia").fill("AR")
    page.get_by_label("Codice destinatario SDI").fill("M5UXCR1")
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_text("la cifra di controllo non torna")).to_be_visible()
    page.get_by_label("Partita IVA").fill(cast.VAT_NUMBER)
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_text("Ti abbiamo scritto a nuovo@studio.example")).to_be_visible()
    # No account yet: the link mailed to the address makes it, and signs the new customer in.
    (link,) = re.findall(r"/account/registrati/conferma/\S+/", mail.outbox[-1].body)
    page.goto(f"{base_url}{link}")
    expect(page.get_by_text("Studio Nuovo S.r.l.")).to_be_visible()
    page.get_by_label("La password che hai scelto registrandoti").fill(cast.PASSWORD)
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_text("Account creato e indirizzo confermato")).to_be_visible()
    expect(page.get_by_role("heading", name="Scegli il piano di Conservazione Sostitutiva")).to_be_visible()


def pay_by_card(page, card="4242 4242 4242 4242"):
    page.get_by_label("Carta di pagamento").check()
    page.get_by_role("button", name="Continua").click()
    expect(page.get_by_text("Sandbox Pay")).to_be_visible()
    page.get_by_label("Intestatario").fill("Maria Nuovo")
    page.get_by_label("Numero della carta").fill(card)
    page.get_by_label("Scadenza (MM/AA)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile("^Paga ")).click()


def test_a_new_customer_buys_pays_renews_increases_space_and_cancels(page, live_server, catalogue, screenshot):
    base = live_server.url
    # 1. Sign up
    sign_up(page, base)

    # 2. Buy the plan: a first purchase awaiting payment
    page.get_by_role("button", name="Acquista Professional").click()
    expect(page.get_by_role("heading", name=re.compile("Paga l'ordine"))).to_be_visible()

    # 3. Pay by card: first declined, then accepted
    pay_by_card(page, card="4000 0000 0000 0002")
    expect(page.get_by_role("alert")).to_contain_text("carta rifiutata")
    page.get_by_label("Numero della carta").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("^Paga ")).click()
    expect(page.get_by_role("heading", name="Pagamento ricevuto")).to_be_visible()
    page.get_by_role("link", name="Vai al servizio").click()

    # 4. The service page: ATTIVO, with its username
    service = Service.objects.get(customer__user__email="nuovo@studio.example")
    expect(page.locator("#service-status")).to_contain_text("ATTIVO")
    expect(page.locator("#panel-username")).to_contain_text(service.panel_username)
    renew = page.locator("#renew-button")
    expect(renew).to_be_visible()
    page.get_by_role("button", name="Rinnovo automatico NON ATTIVO").click()
    expect(page.get_by_role("button", name="Rinnovo automatico ATTIVO")).to_be_visible()
    expect(renew).to_have_count(0)
    page.get_by_role("button", name="Rinnovo automatico ATTIVO").click()
    expect(page.get_by_role("button", name="Rinnovo automatico NON ATTIVO")).to_be_visible()
    expect(renew).to_be_visible()

    # 5. Renew by hand; Renew again shows the waiting order
    renew.click()
    page.get_by_role("button", name="Conferma e vai al pagamento").click()
    renewal = Order.objects.get(service=service, kind=Order.Kind.RENEWAL)
    expect(page.get_by_role("heading", name=f"Paga l'ordine {renewal.number}")).to_be_visible()
    page.goto(f"{base}{service.get_absolute_url()}")
    page.locator("#renew-button").click()
    expect(page.get_by_text("C'è già un ordine di rinnovo in attesa di pagamento")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Ordine {renewal.number}")).to_be_visible()

    # 6. Cancel the renewal, confirming in the dialog (space is added while no renewal waits)
    page.goto(f"{base}{service.get_absolute_url()}")
    row = page.locator(f"#order-{renewal.number}")
    expect(row).to_contain_text("ATTESA PAGAMENTO")
    row.get_by_role("link", name="Annulla").click()
    dialog = page.locator(f"dialog#cancel-{renewal.number}")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="No, torna indietro").click()
    expect(dialog).to_be_hidden()
    row.get_by_role("link", name="Annulla").click()
    dialog.get_by_role("button", name="Sì, annulla l'ordine").click()
    expect(page.get_by_text(f"Ordine {renewal.number} annullato.")).to_be_visible()
    row = page.locator(f"#order-{renewal.number}")
    expect(row).to_contain_text("ANNULLATO")
    expect(row.get_by_role("link", name="Paga")).to_have_count(0)
    expect(row.get_by_role("link", name="Annulla")).to_have_count(0)

    # 7. Increase space: the pro-rated price is shown, then paid, and the quota rises
    page.goto(f"{base}{service.get_absolute_url()}")
    page.get_by_role("link", name="Aumenta spazio").click()
    expect(page.get_by_text("+10 GB")).to_be_visible()
    page.get_by_role("button", name="Conferma e vai al pagamento").click()
    pay_by_card(page)
    expect(page.get_by_text("Lo spazio disponibile è già aumentato.")).to_be_visible()
    service.refresh_from_db()
    assert service.quota_bytes == 30 * GB

    page.goto(f"{base}{service.get_absolute_url()}")
    page.locator("summary", has_text="Ti serve AIUTO per questo servizio?").click()
    screenshot(page, "service-page-it")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Orders for this product")).to_be_visible()
    page.locator("summary", has_text="Need HELP with this service?").click()
    screenshot(page, "service-page-en")


def test_cancel_and_automatic_renewal_work_without_javascript(page_without_javascript, live_server, catalogue):
    page = page_without_javascript
    customer = cast.customer("nojs@example.com", "Senza JS S.r.l.")
    service = cast.active_service(customer, catalogue, activated_on=clock.today())
    page.goto(f"{live_server.url}/account/accedi/")
    page.get_by_label("Email").fill("nojs@example.com")
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.goto(f"{live_server.url}{service.get_absolute_url()}")

    page.get_by_role("button", name="Rinnovo automatico NON ATTIVO").click()
    expect(page.get_by_text("Rinnovo automatico attivato.")).to_be_visible()
    expect(page.locator("#renew-button")).to_have_count(0)
    page.get_by_role("button", name="Rinnovo automatico ATTIVO").click()
    page.locator("#renew-button").click()
    page.get_by_role("button", name="Conferma e vai al pagamento").click()
    renewal = service.orders.get(kind=Order.Kind.RENEWAL)

    page.goto(f"{live_server.url}{service.get_absolute_url()}")
    page.locator(f"#order-{renewal.number}").get_by_role("link", name="Annulla").click()
    expect(page.get_by_role("heading", name=f"Annullare l'ordine {renewal.number}?")).to_be_visible()
    page.get_by_role("button", name="Sì, annulla l'ordine").click()
    expect(page.locator(f"#order-{renewal.number}")).to_contain_text("ANNULLATO")
