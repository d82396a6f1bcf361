"""The SQL queries each customer page runs, pinned: a refactoring must not add any."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.services import order_place_renewal
from tests import cast

pytestmark = pytest.mark.django_db

PAGES = {
    "subscriptions:list": 4,
    "subscriptions:detail": 7,
    "orders:renew": 6,  # + the service's space add-ons, renewed with it
    "orders:increase_space": 6,
    "orders:list": 7,
    "orders:detail": 7,  # + the order's lines
    "payments:pay": 5,
    "payments:result": 5,
    "billing:list": 5,
    "catalog:plans": 4,
    "payments:saved_card": 4,
}


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
    with CaptureQueriesContext(connection) as captured:
        response = rossi_client.get(url)
    assert response.status_code == 200
    assert len(captured) == PAGES[name], [query["sql"] for query in captured]
