"""API keys: made once, kept as an HMAC, refused when revoked, expired or wrong."""

import datetime

import pytest
import time_machine

from api.models import ApiKey
from api.selectors import api_key_authenticate
from api.services import api_key_revoke
from audit.models import AuditEntry
from tests.api.conftest import new_key

pytestmark = pytest.mark.django_db


def test_it_returns_the_key_once_and_keeps_only_its_hmac(service):
    secret = new_key(service)
    key = ApiKey.objects.get()
    assert secret.startswith(f"cs_{key.prefix}_")
    stored = " ".join(str(value) for value in ApiKey.objects.values().get().values())
    assert secret.rsplit("_", 1)[1] not in stored
    assert api_key_authenticate(presented=secret) == key
    assert AuditEntry.objects.filter(action=AuditEntry.Action.API_KEY_CREATED).count() == 1


@pytest.mark.parametrize("mangle", [lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), lambda s: "", lambda s: s[3:]])
def test_it_refuses_a_wrong_secret(service, mangle):
    assert api_key_authenticate(presented=mangle(new_key(service))) is None


def test_a_revoked_key_is_refused_at_once(service):
    secret = new_key(service)
    key = ApiKey.objects.get()
    api_key_revoke(service_id=service.pk, prefix=key.prefix, actor=service.customer.user)
    assert api_key_authenticate(presented=secret) is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.API_KEY_REVOKED).count() == 1


def test_an_expired_key_is_refused(service, today):
    secret = new_key(service, expires_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC))
    assert api_key_authenticate(presented=secret) is not None
    with time_machine.travel(datetime.datetime(2026, 4, 1, 0, 0, 1, tzinfo=datetime.UTC)):
        assert api_key_authenticate(presented=secret) is None


def test_it_records_the_last_use(service, today):
    secret = new_key(service)
    assert ApiKey.objects.get().last_used_at is None
    api_key_authenticate(presented=secret)
    assert ApiKey.objects.get().last_used_at is not None


def test_operators_see_keys_in_the_admin_but_never_their_secret(admin_client, service):
    secret = new_key(service)
    key = ApiKey.objects.get()
    page = admin_client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert key.prefix in page and "ERP" in page
    assert secret not in page and key.secret_hmac not in page
    assert admin_client.get("/admin/api/apikey/").status_code == 200
