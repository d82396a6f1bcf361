"""The panel's cast: rossi's service with the archive in a temporary folder, the panel entered by
the one-time link, and rossi's documents, deposits and receipts for outsiders to try."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import cast
from tests.archive.conftest import _archive_in_a_temporary_folder, document_classes  # noqa: F401  (fixtures)
from tests.panel.test_entry import PANEL_PASSWORD, enter


@pytest.fixture
def service(rossi, plan, today, document_classes):  # noqa: F811
    return cast.active_service(rossi, plan, activated_on=today)


@pytest.fixture
def panel(rossi_client, service):
    """Rossi, in his service's panel by the link from the service page."""
    enter(rossi_client, service)
    return rossi_client


@pytest.fixture
def accountant(rossi, service):
    """Whoever rossi gave the panel's own login to: the panel, nothing of the customer area."""
    owner = Client()
    owner.force_login(rossi.user)
    owner.post(reverse("panel:password", args=[service.public_id]), {"password": PANEL_PASSWORD})
    client = Client()
    client.post(reverse("panel:login"), {"username": service.panel_username, "password": PANEL_PASSWORD})
    return client


def panel_url(name, service, *ids):
    return reverse(f"panel:{name}", args=[service.public_id, *ids])


@pytest.fixture
def bianchi_service(bianchi, plan, today, document_classes):  # noqa: F811
    return cast.active_service(bianchi, plan, activated_on=today)
