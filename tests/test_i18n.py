import re

import pytest
from django.conf import settings
from django.urls import reverse

from orders.services import order_place_renewal
from tests import cast
from tests.html import element

pytestmark = pytest.mark.django_db


def choose_language(client, code):
    client.post(reverse("set_language"), {"language": code, "next": "/"})


def test_italian_is_the_default_whatever_the_browser_says(rossi_client):
    page = rossi_client.get(reverse("subscriptions:list"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert 'lang="it"' in page and "I miei servizi" in page


def test_the_service_page_speaks_english_when_chosen(rossi_client, rossi, plan, today):
    service = cast.service_expiring(rossi, plan, on=today.replace(month=4))
    order_place_renewal(service_id=service.pk, actor=rossi.user)
    choose_language(rossi_client, "en")
    page = rossi_client.get(service.get_absolute_url()).content.decode()

    assert 'lang="en"' in page
    for english in ["Digital Preservation", "Service status", "ACTIVE", "Panel username", "Expiry date",
                    "Expires in 31 days", "Space used", "Renew", "Automatic renewal OFF", "Go to the panel",
                    "Increase space", "Orders for this product", "AWAITING PAYMENT", "Pay", "Cancel",
                    "Need HELP with this service?", "Mon–Fri 08:30–18:00"]:  # fmt: skip
        assert english in page, english
    for italian in ["Rinnova", "Data Scadenza", "ATTESA PAGAMENTO", "Stato del servizio", "Annulla"]:
        assert italian not in page, italian


def test_the_switch_goes_back_to_italian(rossi_client):
    choose_language(rossi_client, "en")
    choose_language(rossi_client, "it")
    assert "I miei servizi" in rossi_client.get(reverse("subscriptions:list")).content.decode()


def test_money_is_written_the_local_way(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order = service.orders.get()
    assert "€ 353,80" in element(rossi_client.get(service.get_absolute_url()).content, f"order-{order.number}")[1]
    choose_language(rossi_client, "en")
    assert "€ 353.80" in element(rossi_client.get(service.get_absolute_url()).content, f"order-{order.number}")[1]


def test_every_english_translation_is_there():
    po = (settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po").read_text()
    entries = po.split("\n\n")[1:]  # the first is the header
    assert entries
    untranslated = [entry for entry in entries if re.search(r'^msgstr(\[\d\])? ""(\n(?!")|\Z)', entry.strip(), re.M)]
    fuzzy = [entry for entry in entries if "#, fuzzy" in entry]
    assert not untranslated and not fuzzy
