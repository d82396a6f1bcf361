"""Every panel URL, tried by another customer with the real ids of rossi's service, documents,
deposits and receipts: a 404 each time, by GET and by POST, and nothing changes."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from archive.errors import ArchiveError
from archive.models import Deposit, Document
from panel import urls
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.test_entry import enter

pytestmark = pytest.mark.django_db
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def rossis(service, rossi):
    """Rossi's ids: his service, an accepted package and its document, a rejected package."""
    kept = deposit(service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={})
    with pytest.raises(ArchiveError):
        deposit(service, {"finto.pdf": b"non un PDF"})
    rejected = Deposit.objects.get(status=Deposit.Status.REJECTED)
    return {"service": service, "deposit": kept, "document": kept.documents.get(), "rejected": rejected}


@pytest.fixture
def outsider(bianchi, bianchi_service):
    """Bianchi, inside his own panel."""
    client = Client()
    client.force_login(bianchi.user)
    enter(client, bianchi_service)
    return client


def routes_with_a_service():
    return [
        (pattern.name, CONVERTER.findall(str(pattern.pattern)))
        for pattern in urls.urlpatterns
        if "public_id" in str(pattern.pattern)
    ]


def addresses(service_id, ids):
    """Each panel URL with `service_id`, and each of rossi's deposits and documents in it."""
    found = []
    for name, parameters in routes_with_a_service():
        for deposit_id in (
            [ids["deposit"].public_id, ids["rejected"].public_id] if "deposit_id" in parameters else [None]
        ):
            values = {"public_id": service_id, "deposit_id": deposit_id, "document_id": ids["document"].public_id}
            found.append(reverse(f"panel:{name}", kwargs={key: values[key] for key in parameters}))
    return found


def test_every_panel_url_is_covered():
    names = {name for name, _parameters in routes_with_a_service()}
    assert names >= {
        "home",
        "deposit",
        "deposits",
        "deposit_detail",
        "receipt",
        "receipt_xml",
        "documents",
        "document",
        "download",
        "export",
    }


def test_another_customer_finds_none_of_rossis_panel(outsider, rossis):
    for url in addresses(rossis["service"].public_id, rossis):
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url, {"document_class": "documento-generico"}).status_code == 404, url


def test_another_customer_finds_none_of_rossis_objects_in_his_own_panel(outsider, rossis, bianchi_service):
    own = [url for url in addresses(bianchi_service.public_id, rossis) if str(bianchi_service.public_id) in url]
    with_rossis_ids = [
        url for url in own if any(str(rossis[key].public_id) in url for key in ("deposit", "rejected", "document"))
    ]
    assert len(with_rossis_ids) >= 7
    for url in with_rossis_ids:
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url).status_code == 404, url


def test_nothing_changes_for_the_outsiders_tries(outsider, rossis, bianchi_service):
    before = Document.objects.count(), Deposit.objects.count(), Service.objects.get(pk=rossis["service"].pk).used_bytes
    upload = {"document_class": "documento-generico", "files": files.upload("x.pdf", files.pdf())}
    outsider.post(reverse("panel:deposit", args=[rossis["service"].public_id]), upload)
    assert (
        Document.objects.count(),
        Deposit.objects.count(),
        Service.objects.get(pk=rossis["service"].pk).used_bytes,
    ) == before


def test_the_customer_without_the_link_and_a_stranger_find_nothing(rossi_client, client, rossis):
    customer_area = [
        reverse(name, args=[rossis["service"].public_id]) for name in ("panel:entry", "panel:password", "panel:export")
    ]
    for url in set(addresses(rossis["service"].public_id, rossis)) - set(customer_area):
        assert rossi_client.get(url).status_code == 404, url  # rossi himself, until he follows the link
        assert client.get(url).status_code in (302, 404), url  # nobody logged in: to the login page
