"""The customer's API keys page: create (the key shown once), list, revoke after a POST confirmation."""

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiKey
from api.selectors import api_key_authenticate
from tests.api.conftest import new_key

pytestmark = pytest.mark.django_db


def keys_url(service):
    return reverse("api_keys:list", args=[service.public_id])


def revoke_url(service, key):
    return reverse("api_keys:revoke", args=[service.public_id, key.prefix])


def test_it_creates_a_key_and_shows_it_once(rossi_client, service):
    response = rossi_client.post(keys_url(service), {"name": "Gestionale", "may_deposit": "on", "may_read": "on"})
    key = ApiKey.objects.get()
    page = response.content.decode()
    secret = page.split('<code id="secret">')[1].split("</code>")[0]
    assert api_key_authenticate(presented=secret) == key
    assert "no-store" in response["Cache-Control"]
    assert (key.name, key.scopes, key.created_by) == ("Gestionale", ["deposit", "read"], service.customer.user)
    listed = rossi_client.get(keys_url(service)).content.decode()
    assert "Gestionale" in listed and f"cs_{key.prefix}_" in listed and secret not in listed


def test_it_refuses_a_key_without_scopes(rossi_client, service):
    response = rossi_client.post(keys_url(service), {"name": "Gestionale"})
    assert "Scegli almeno un permesso" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_it_revokes_a_key_after_a_confirmation(rossi_client, service):
    secret = new_key(service)
    key = ApiKey.objects.get()
    assert "Non si può annullare" in rossi_client.get(revoke_url(service, key)).content.decode()
    assert api_key_authenticate(presented=secret) is not None  # a GET changes nothing

    response = rossi_client.post(revoke_url(service, key))

    assert response.url == keys_url(service)
    assert api_key_authenticate(presented=secret) is None
    assert "revocata" in rossi_client.get(keys_url(service)).content.decode()


def test_revoking_needs_the_csrf_token(rossi, service):
    new_key(service)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rossi.user)
    assert client.post(revoke_url(service, ApiKey.objects.get())).status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_another_customers_keys_are_a_404(bianchi_client, service):
    new_key(service)
    key = ApiKey.objects.get()
    assert bianchi_client.get(keys_url(service)).status_code == 404
    assert bianchi_client.post(keys_url(service), {"name": "x", "may_read": "on"}).status_code == 404
    assert bianchi_client.get(revoke_url(service, key)).status_code == 404
    assert bianchi_client.post(revoke_url(service, key)).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_a_key_of_another_service_is_a_404_under_this_one(rossi_client, rossi, service, plan, today):
    from tests import cast

    other = cast.active_service(rossi, plan, activated_on=today)
    new_key(other)
    assert rossi_client.post(revoke_url(service, ApiKey.objects.get())).status_code == 404


def test_the_page_speaks_english(rossi_client, service):
    rossi_client.post(reverse("set_language"), {"language": "en"})
    page = rossi_client.get(keys_url(service)).content.decode()
    assert "API keys" in page and "New API key" in page


def test_the_service_page_links_the_keys(rossi_client, service):
    assert keys_url(service) in rossi_client.get(service.get_absolute_url()).content.decode()
