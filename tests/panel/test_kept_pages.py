"""The panel's pages kept by lib.page_cache: a deposit shows at once, and each visitor has their own."""

import pytest

from tests.archive import files
from tests.archive.conftest import deposit
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db


def test_a_deposit_shows_in_the_panels_search_at_once(panel, service):
    search = panel_url("documents", service)
    assert "verbale.pdf" not in panel.get(search).content.decode()

    deposit(service, {"verbale.pdf": files.pdf("Verbale")})

    assert "verbale.pdf" in panel.get(search).content.decode()


def test_the_panels_own_login_and_the_customer_each_get_their_own_page(panel, accountant, service):
    page = panel_url("documents", service)
    assert panel.get(page).content.decode() != accountant.get(page).content.decode()
