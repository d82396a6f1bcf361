"""The SQL queries each customer page runs, pinned: a refactoring must not add any. Every page
reads the session and the user with their customer (accounts.backends.AccountBackend), then its own.
A page lib.page_cache serves again reads only the first two."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.services import order_place_renewal
from tests import cast

pytestmark = pytest.mark.django_db

PAGES = {
    "subscriptions:list": 3,
    "subscriptions:detail": 6,
    "orders:renew": 5,  # + the service's space add-ons, renewed with it
    "orders:increase_space": 5,
    "orders:list": 6,
    "orders:detail": 6,  # + the order's lines
    "payments:pay": 4,
    "payments:result": 4,
    "billing:list": 4,
    "catalog:plans": 3,
    "payments:saved_card": 3,
}
KEPT = {"subscriptions:list", "subscriptions:detail", "orders:list", "payments:pay", "billing:list"}


@pytest.fixture
def pages(rossi, plan, today):
    cast.space_step()
    service = cast.service_expiring(rossi, plan, on=today.replace(month=5))
    renewal, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    renewable = cast.service_expiring(rossi, plan, on=today.replace(month=6))
    by_service, by_order = [service.public_id], [renewal.number]
    return {
        "subscriptions:list": [],
        "subscriptions:detail": by_service,
        "orders:renew": [renewable.public_id],
        "orders:increase_space": by_service,
        "orders:list": [],
        "orders:detail": by_order,
        "payments:pay": by_order,
        "payments:result": by_order,
        "billing:list": [],
        "catalog:plans": [],
        "payments:saved_card": [],
    }


@pytest.mark.parametrize("name", PAGES)
def test_each_page_runs_its_pinned_number_of_queries(rossi_client, pages, name):
    url = reverse(name, args=pages[name])
    rossi_client.get(url)  # the session is written on the first request
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as captured:
        response = rossi_client.get(url)
    assert response.status_code == 200
    assert len(captured) == PAGES[name], [query["sql"] for query in captured]

    with CaptureQueriesContext(connection) as captured:
        again = rossi_client.get(url)
    assert again.status_code == 200
    assert len(captured) == (2 if name in KEPT else PAGES[name]), [query["sql"] for query in captured]
