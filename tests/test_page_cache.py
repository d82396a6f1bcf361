"""lib.page_cache with accounts.revisions: a customer's page is served again only while nothing it
shows has changed, to its own viewer, with a CSRF token and one-time keys of its own each time."""

import re

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import revisions
from accounts.models import Customer
from lib.page_cache import CSRF_MARKER
from orders.models import Order
from orders.services import order_cancel, order_place_renewal
from payments.models import SavedCard
from tests import cast

pytestmark = pytest.mark.django_db

SERVICES = "/"
ORDERS = "/ordini/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def queries_and_page(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def without_tokens(page: str) -> str:
    return TOKEN.sub("", page)


def test_every_model_is_followed_or_said_why_not():
    unlisted = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.label not in revisions.NOT_SHOWN | revisions.REFERENCE_DATA | revisions.NO_CUSTOMER
        and revisions.customer_path(model) is None
    ]
    assert unlisted == []
    reaching = [label for label in revisions.NO_CUSTOMER if revisions.customer_path(apps.get_model(label))]
    assert reaching == []
    labels = {model._meta.label for model in apps.get_models()}
    assert labels >= revisions.NOT_SHOWN | revisions.REFERENCE_DATA | revisions.NO_CUSTOMER


def test_a_row_belongs_to_the_customer_of_its_service_rather_than_of_its_user():
    assert revisions.customer_path(apps.get_model("panel.PanelAccount")) == ["service", "customer"]
    assert revisions.customer_path(apps.get_model("billing.InvoiceLine")) == ["invoice", "customer"]
    assert revisions.customer_path(apps.get_model("accounts.User")) == ["customer"]


def test_a_page_is_served_again_from_the_session_and_user_alone(rossi_client, rossi, plan, today):
    cast.active_service(rossi, plan, activated_on=today)
    rossi_client.get(SERVICES)  # the session is written on the first request
    caches["pages"].clear()
    rendered, first = queries_and_page(rossi_client, SERVICES)
    served, again = queries_and_page(rossi_client, SERVICES)

    assert (rendered, served) == (3, 2)
    assert without_tokens(again) == without_tokens(first)


def test_a_change_shows_at_once(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    assert "ANNULLATO" not in rossi_client.get(ORDERS).content.decode()

    order_cancel(order_id=order.pk, actor=rossi.user)

    assert "ANNULLATO" in rossi_client.get(ORDERS).content.decode()


def test_saving_or_deleting_what_a_customer_owns_advances_their_revision(rossi, bianchi, plan, today):
    def revision(customer):
        return Customer.objects.get(pk=customer.pk).revision

    before = revision(rossi), revision(bianchi)
    rossi.save()
    service = cast.active_service(rossi, plan, activated_on=today)  # a service, its order, its invoice…
    rossi.user.save()
    cast.save_card(rossi)
    SavedCard.objects.filter(customer=rossi).delete()

    assert revision(rossi) >= before[0] + 4
    assert revision(bianchi) == before[1]
    assert revisions.customer_id_of(service) == rossi.pk


def test_reference_data_every_customer_sees_shows_at_once(rossi_client, rossi, plan, today):
    cast.active_service(rossi, plan, activated_on=today)
    assert plan.name in rossi_client.get(SERVICES).content.decode()

    plan.name = "Professional Plus"
    plan.save()

    assert "Professional Plus" in rossi_client.get(SERVICES).content.decode()


def test_another_customer_never_gets_the_first_ones_page(rossi_client, rossi, bianchi, plan, today):
    bianchi_client = Client()
    bianchi_client.force_login(bianchi.user)
    service = cast.active_service(rossi, plan, activated_on=today)
    rossi_page = rossi_client.get(SERVICES).content.decode()
    bianchi_page = bianchi_client.get(SERVICES).content.decode()

    assert str(service.panel_username) in rossi_page
    assert str(service.panel_username) not in bianchi_page


def test_each_answer_has_its_own_csrf_token_and_it_is_valid(rossi, plan, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rossi.user)
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    rendered = client.get(ORDERS).content.decode()
    served = client.get(ORDERS).content.decode()  # served again
    token = TOKEN.search(served).group(1)
    assert CSRF_MARKER not in served
    assert token != TOKEN.search(rendered).group(1)

    response = client.post(reverse("orders:cancel", args=[order.number]), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_the_pay_page_gives_a_new_one_time_key_each_time(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    url = reverse("payments:pay", args=[order.number])
    keys = [IDEMPOTENCY_KEY.search(rossi_client.get(url).content.decode()).group(1) for _ in range(3)]

    assert len(set(keys)) == 3
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)


def test_a_message_is_shown_once_and_the_page_after_it_is_not_the_one_with_it(rossi_client, rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
    rossi_client.get(ORDERS)
    rossi_client.post(reverse("orders:cancel", args=[order.number]))

    with_message = rossi_client.get(ORDERS).content.decode()
    after = rossi_client.get(ORDERS).content.decode()

    said = f"Ordine {order.number} annullato."
    assert said in with_message
    assert said not in after
    assert without_tokens(rossi_client.get(ORDERS).content.decode()) == without_tokens(after)


def test_the_page_follows_the_language(rossi_client, rossi, plan, today):
    cast.active_service(rossi, plan, activated_on=today)
    assert "I miei servizi" in rossi_client.get(SERVICES).content.decode()

    rossi_client.post(reverse("set_language"), {"language": "en", "next": SERVICES})

    assert "My services" in rossi_client.get(SERVICES).content.decode()


def test_the_next_day_the_page_is_rendered_again(rossi_client, rossi, plan, today, time_machine):
    service = cast.service_expiring(rossi, plan, on=today.replace(month=4, day=8))
    first = rossi_client.get(service.get_absolute_url()).content.decode()
    time_machine.move_to(today.replace(day=11))

    assert without_tokens(rossi_client.get(service.get_absolute_url()).content.decode()) != without_tokens(first)


@pytest.mark.django_db(transaction=True)
def test_a_revision_advances_when_the_transaction_commits_and_not_if_it_rolls_back(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=today)
    before = Customer.objects.get(pk=rossi.pk).revision

    with transaction.atomic():
        service.save()
        order, _created = order_place_renewal(service_id=service.pk, actor=rossi.user)
        assert Customer.objects.get(pk=rossi.pk).revision == before  # not yet: readers see the old data
    assert Customer.objects.get(pk=rossi.pk).revision == before + 1  # once for the whole transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        order.save()
        raise RuntimeError
    assert Customer.objects.get(pk=rossi.pk).revision == before + 1


def test_saving_a_customer_loaded_before_a_change_keeps_the_revision_the_change_advanced(rossi, plan, today):
    loaded_before = Customer.objects.get(pk=rossi.pk)
    cast.active_service(rossi, plan, activated_on=today)
    advanced = Customer.objects.get(pk=rossi.pk).revision

    loaded_before.company_name = "Studio Rossi e Associati"
    loaded_before.save()

    saved = Customer.objects.get(pk=rossi.pk)
    assert saved.company_name == "Studio Rossi e Associati"
    assert saved.revision == advanced + 1


@pytest.mark.django_db(transaction=True)
def test_reference_data_changed_several_times_in_a_transaction_advances_the_reference_revision_once(
    rossi, bianchi, plan
):
    customers = dict(Customer.objects.values_list("pk", "revision"))
    before = revisions.reference_revision(None)  # the plan's creation made its row
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        for name in ("Uno", "Due", "Tre"):
            plan.name = name
            plan.save()
    advances = [query for query in captured if query["sql"].startswith("UPDATE") and '"number"' in query["sql"]]

    assert len(advances) == 1, advances
    assert revisions.reference_revision(None) == before + 1
    assert dict(Customer.objects.values_list("pk", "revision")) == customers  # not every customer rewritten


@pytest.mark.django_db(transaction=True)
def test_a_bump_that_fails_stops_neither_the_request_nor_the_other_after_commit_work(rossi, monkeypatch):
    def locked(self):
        raise OperationalError("database is locked")

    monkeypatch.setattr(revisions._Bump, "run", locked)
    done = []
    with transaction.atomic():
        rossi.save()
        transaction.on_commit(lambda: done.append("mail queued"))

    assert done == ["mail queued"]
