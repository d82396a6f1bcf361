"""Five quick clicks on Acquista (or on Renew, on Add space) place one order: each form carries
the key it was shown with, and the same key finds the order it placed."""

import datetime
import sys

import pytest
from django.test import Client
from django.urls import reverse

from audit.actors import SYSTEM
from lib import clock
from orders import services as order_services
from orders.models import Order
from orders.services import OrderError, order_request_first_purchase
from payments.transfers import transfer_register
from subscriptions.models import Service
from tests import cast, threads

pytestmark = pytest.mark.django_db


def test_five_clicks_on_buy_place_one_order(rossi_client, rossi, plan, today):
    form = cast.order_form()
    responses = [rossi_client.post(reverse("orders:buy", args=[plan.code]), form) for _click in range(5)]

    order = Order.objects.get(customer=rossi)
    assert Service.objects.filter(customer=rossi).count() == 1
    assert responses[0].url == reverse("payments:pay", args=[order.number])
    assert {response.url for response in responses[1:]} == {reverse("orders:detail", args=[order.number])}
    page = rossi_client.get(responses[-1].url).content.decode()
    assert f"L&#x27;ordine {order.number} è già stato creato: eccolo." in page


def test_each_form_shown_places_its_own_order(rossi_client, rossi, plan, today):
    page = rossi_client.get(reverse("catalog:plans")).content.decode()
    assert 'name="idempotency_key"' in page
    for _form in range(2):
        rossi_client.post(reverse("orders:buy", args=[plan.code]), cast.order_form())
    assert Order.objects.filter(customer=rossi).count() == 2


def test_a_form_without_its_key_places_nothing(rossi_client, rossi, plan, today):
    for data in [{}, {"idempotency_key": "not-a-key"}]:
        response = rossi_client.post(reverse("orders:buy", args=[plan.code]), data, follow=True)
        assert "Il modulo è scaduto: ricarica la pagina e riprova." in response.content.decode()
    assert not Order.objects.exists() and not Service.objects.exists()


def test_another_customers_key_finds_none_of_their_orders(client, rossi, bianchi, plan, today):
    form = cast.order_form()
    theirs, _created = order_request_first_purchase(
        customer=rossi, plan=plan, actor=rossi.user, idempotency_key=form["idempotency_key"]
    )
    client.force_login(bianchi.user)
    response = client.post(reverse("orders:buy", args=[plan.code]), form)
    mine = Order.objects.get(customer=bianchi)
    assert mine != theirs and response.url == reverse("payments:pay", args=[mine.number])


def test_the_renew_form_posted_again_after_paying_renews_once(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    url, form = reverse("orders:renew", args=[service.public_id]), cast.order_form()
    rossi_client.post(url, form)
    renewal = service.orders.get(kind=Order.Kind.RENEWAL)
    transfer_register(order=renewal, operator=SYSTEM)

    response = rossi_client.post(url, form)  # the back button, then the same form again
    assert response.url == reverse("orders:detail", args=[renewal.number])
    assert service.orders.filter(kind=Order.Kind.RENEWAL).count() == 1


def test_the_add_space_form_posted_again_after_paying_adds_once(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 6, 1))
    step = cast.space_step()
    url, form = reverse("orders:increase_space", args=[service.public_id]), cast.order_form(step=step.pk)
    rossi_client.post(url, form)
    increase = service.orders.get(kind=Order.Kind.SPACE_INCREASE)
    transfer_register(order=increase, operator=SYSTEM)

    assert rossi_client.post(url, form).url == reverse("orders:detail", args=[increase.number])
    assert service.orders.filter(kind=Order.Kind.SPACE_INCREASE).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_five_clicks_at_once_place_one_order(rossi, plan):
    threads.skip_unless_postgresql()
    key = cast.order_form()["idempotency_key"]

    results = threads.all_at_once(
        lambda i: order_request_first_purchase(customer=rossi, plan=plan, actor=rossi.user, idempotency_key=key),
        5,
        refused=(OrderError,),
    )

    order = Order.objects.get(customer=rossi)
    assert Service.objects.filter(customer=rossi).count() == 1
    assert sorted(created for _order, created in results) == [False, False, False, False, True]
    assert {placed.pk for placed, _created in results} == {order.pk}


def _renew_at_once(customer, services, key):
    """The same renew form's key posted to each service at once, as the customer's browser would."""

    def post(i):
        browser = Client(raise_request_exception=False)
        browser.force_login(customer.user)
        return browser.post(reverse("orders:renew", args=[services[i].public_id]), {"idempotency_key": key})

    return threads.all_at_once(post, len(services), refused=())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_key_posted_to_two_services_at_once_places_one_order(rossi, plan):
    threads.skip_unless_postgresql()
    expiring = clock.today() + datetime.timedelta(days=10)
    services = [cast.service_expiring(rossi, plan, on=expiring) for _service in range(2)]

    responses = _renew_at_once(rossi, services, cast.order_form()["idempotency_key"])

    order = Order.objects.get(customer=rossi, kind=Order.Kind.RENEWAL)
    assert sorted(response.status_code for response in responses) == [302, 302]
    assert {response.url for response in responses} == {
        reverse("payments:pay", args=[order.number]),
        reverse("orders:detail", args=[order.number]),
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_refusing_a_second_order_answers_with_the_first(rossi, plan, monkeypatch):
    """Without the customer's lock the two renewals race to the unique key: the loser gets the
    winner's order, not a server error."""
    threads.skip_unless_postgresql()
    monkeypatch.setattr(order_services, "_lock_customer_for_form", lambda customer_id, key: None)
    monkeypatch.setattr(order_services, "_placed_with", _found_only_after_a_refusal(order_services._placed_with))
    expiring = clock.today() + datetime.timedelta(days=10)
    services = [cast.service_expiring(rossi, plan, on=expiring) for _service in range(2)]

    responses = _renew_at_once(rossi, services, cast.order_form()["idempotency_key"])

    order = Order.objects.get(customer=rossi, kind=Order.Kind.RENEWAL)
    assert sorted(response.status_code for response in responses) == [302, 302]
    assert reverse("orders:detail", args=[order.number]) in {response.url for response in responses}


def _found_only_after_a_refusal(find):
    """_placed_with that finds nothing but when _place_once asks (as when both look at once)."""

    def placed_with(customer_id, key):
        return find(customer_id, key) if sys._getframe(1).f_code.co_name == "_place_once" else None

    return placed_with
