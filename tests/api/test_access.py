"""Who may call the API and how often: keys, scopes, revocation, rate limits, sizes, languages."""

import datetime

import pytest
import time_machine
from django.test import Client

from api.models import ApiKey
from api.services import api_key_revoke
from tests.api.conftest import new_key

pytestmark = pytest.mark.django_db


def test_the_service_endpoint_gives_state_expiry_and_space(api, service):
    body = api.get("/api/v1/service").json()
    assert body["id"] == str(service.public_id) and body["status"] == "ATTIVO"
    assert body["expires_on"] == service.expires_on.isoformat()
    assert body["quota_bytes"] == service.quota_bytes and body["space_used_percent"] == 0.0
    assert body["archive_open"] is True and body["accepts_deposits"] is True


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer cs_nope_nope", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_key_the_answer_is_401(service, header):
    client = Client(headers={"Authorization": header} if header else {})
    response = client.get("/api/v1/service")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_a_revoked_key_is_refused_at_once(api, service):
    assert api.get("/api/v1/service").status_code == 200
    api_key_revoke(service_id=service.pk, prefix=ApiKey.objects.get().prefix, actor=service.customer.user)
    assert api.get("/api/v1/service").status_code == 401


def test_an_expired_key_is_refused(service):
    secret = new_key(service, expires_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC))
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/service").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC)):
        assert client.get("/api/v1/service").status_code == 401


def test_a_deposit_only_key_cannot_read(service):
    client = Client(headers={"Authorization": f"Bearer {new_key(service, deposit=True, read=False)}"})
    response = client.get("/api/v1/documents")
    assert response.status_code == 403 and response.json()["code"] == "scope_missing"


def test_past_the_rate_limit_the_answer_is_429_with_retry_after(api, service, settings):
    settings.API_RATE_LIMIT, settings.API_RATE_LIMIT_WINDOW_SECONDS = 3, 60
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, 0, 15, tzinfo=datetime.UTC), tick=False):
        assert [api.get("/api/v1/service").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("/api/v1/service")
        assert refused.status_code == 429 and refused["Retry-After"] == "45"
        assert refused.json()["code"] == "rate_limited"
        other = Client(headers={"Authorization": f"Bearer {new_key(service, name='altra')}"})
        assert other.get("/api/v1/service").status_code == 200  # the limit is per key
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, 1, 0, tzinfo=datetime.UTC), tick=False):
        assert api.get("/api/v1/service").status_code == 200  # a new window


def test_a_request_declaring_too_large_a_body_is_refused_before_it_is_read(api, settings):
    settings.API_REQUEST_MAX_BYTES = 1000
    response = api.post("/api/v1/packages", b"x" * 2000, content_type="application/octet-stream")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_too_many_files_are_413(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    from tests.archive import files

    uploads = [files.upload(f"{n}.pdf", files.pdf()) for n in range(3)]
    response = api.post("/api/v1/packages", {"document_class": "documento-generico", "files": uploads})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_errors_speak_english_when_asked_or_when_the_owner_does(api, service):
    italian = api.get("/api/v1/documents/00000000-0000-0000-0000-000000000000")
    assert italian.json()["title"] == "Non trovato"
    english = api.get("/api/v1/documents/00000000-0000-0000-0000-000000000000", headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Not found" and english.json()["code"] == "not_found"
    service.customer.language = "en"
    service.customer.save(update_fields=["language"])
    assert api.get("/api/v1/documents/00000000-0000-0000-0000-000000000000").json()["title"] == "Not found"


def test_unknown_paths_and_methods_are_problems_too(api):
    unknown = api.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert api.delete("/api/v1/service").status_code == 405


def test_the_api_takes_no_session_and_needs_no_csrf_token(service, secret):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    response = client.post("/api/v1/packages", {"document_class": "documento-generico"})
    assert response.status_code == 422  # refused for what it lacks, not for a missing CSRF token
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_the_schema_and_reference_page_need_no_key_and_no_internet(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/v1/packages", "/api/v1/documents/{document_id}/file", "/api/v1/service"} <= set(schema["paths"])
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
