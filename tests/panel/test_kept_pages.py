"""The panel's pages kept by lib.page_cache: a deposit shows at once, and each visitor has their own."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import revisions
from audit.actors import SYSTEM
from subscriptions.models import Service
from subscriptions.services import service_cease
from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.conftest import panel_url
from tests.panel.test_entry import enter

pytestmark = pytest.mark.django_db


def test_a_deposit_shows_in_the_panels_search_at_once(panel, service):
    search = panel_url("documents", service)
    assert "verbale.pdf" not in panel.get(search).content.decode()

    deposit(service, {"verbale.pdf": files.pdf("Verbale")})

    assert "verbale.pdf" in panel.get(search).content.decode()


def test_the_panels_own_login_and_the_customer_each_get_their_own_page(panel, accountant, service):
    page = panel_url("documents", service)
    assert panel.get(page).content.decode() != accountant.get(page).content.decode()


def served_again(client, url):
    """The page's second answer, with the queries it ran."""
    first = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert again.status_code == first.status_code == 200
    assert again.content.decode().count("verbale.pdf") == first.content.decode().count("verbale.pdf")
    return len(captured)


def test_entered_by_the_link_the_pages_are_served_again_from_the_session_and_user_alone(panel, accountant, service):
    document = deposit(service, {"verbale.pdf": files.pdf("Verbale")}).documents.get()
    for url in (panel_url("documents", service), panel_url("document", service, document.public_id)):
        assert served_again(panel, url) == 2
        assert served_again(accountant, url) == 3  # the panel's own login: the service read to let them in


def test_a_session_that_did_not_enter_by_the_link_finds_no_panel_though_its_page_is_kept(panel, rossi, service):
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200
    other_session = Client()
    other_session.force_login(rossi.user)

    assert other_session.get(search).status_code == 404


def test_another_customer_who_entered_their_own_panel_finds_no_other(panel, bianchi, bianchi_service, service):
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200
    other = Client()
    other.force_login(bianchi.user)
    enter(other, bianchi_service)

    assert other.get(search).status_code == 404
    assert other.get(panel_url("documents", bianchi_service)).status_code == 200


@pytest.mark.parametrize("status", [Service.Status.SUSPENDED, Service.Status.CEASED])
def test_a_panel_closed_since_its_page_was_kept_is_closed(panel, service, status):
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200
    service.status = status
    service.save()

    assert panel.get(search).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_panel_closed_is_closed_even_if_the_revision_after_the_commit_fails(panel, service, monkeypatch):
    service.status = Service.Status.EXPIRED  # still open
    service.save()
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200

    def locked(self):
        raise OperationalError("database is locked")

    monkeypatch.setattr(revisions._Bump, "run", locked)
    service_cease(service_id=service.pk, actor=SYSTEM)

    assert panel.get(search).status_code == 403


def test_someone_else_signing_in_in_the_same_browser_finds_no_panel(panel, bianchi, service):
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200
    panel.force_login(bianchi.user)

    assert panel.get(search).status_code == 404


def test_signed_out_and_in_again_the_customer_enters_by_the_link_again(panel, rossi, service):
    search = panel_url("documents", service)
    assert panel.get(search).status_code == 200
    panel.post(reverse("accounts:logout"))  # signs out every session of rossi's
    rossi.user.refresh_from_db()
    panel.force_login(rossi.user)

    assert panel.get(search).status_code == 404
    enter(panel, service)
    assert panel.get(search).status_code == 200
