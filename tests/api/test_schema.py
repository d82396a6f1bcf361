"""schemathesis against the OpenAPI document the API serves (built by the same code as
/api/v1/openapi.json, which test_access reads): generated requests to every operation, valid and
not, find no server error and no answer that its schema does not describe. (Its lazy fixture
loader does not run under pytest 9, hence the schema built at import and the WSGI app set on it.)"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.app import api
from conserva.wsgi import application
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application


@pytest.fixture(autouse=True)
def _generated_requests_come_fast(settings):
    settings.API_RATE_LIMIT = 100_000  # the limit has its own tests
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis's WSGI client's host


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """As Django's test client does: the WSGI app would close the database connection after each
    request, and with it the test's transaction (PostgreSQL's; SQLite's in-memory one is kept)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_within_its_schema(case, service, secret):
    if not service.documents.exists():  # the examples share the test's database
        deposit(service, {"kept.pdf": files.pdf("kept")})
    # A package the schema allows may still be refused for its content (not a PDF, metadata
    # missing): a documented 422 package_rejected, not a valid request turned down. A cursor is
    # valid only as an earlier answer gave it: a made-up one is a documented 400 invalid_cursor.
    # For those the check that valid requests succeed is left out. Invalid requests are sent too
    # and must get no server error and a described answer, but the check that each is refused is
    # left out: unknown query parameters are ignored, as HTTP APIs do, and the key goes on every one.
    made_up = case.operation.method.upper() == "POST" or bool((case.query or {}).get("cursor"))
    excluded = [schemathesis.checks.negative_data_rejection]
    excluded += [schemathesis.checks.positive_data_acceptance] if made_up else []
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, excluded_checks=excluded)
