"""The API's cast: rossi's service with keys, bianchi's service for outsiders."""

import pytest
from django.test import Client

from api.services import api_key_create
from tests import cast
from tests.archive.conftest import _archive_in_a_temporary_folder, document_classes  # noqa: F401  (fixtures)


@pytest.fixture
def service(rossi, plan, today, document_classes):  # noqa: F811
    return cast.active_service(rossi, plan, activated_on=today)


@pytest.fixture
def bianchi_service(bianchi, plan, today, document_classes):  # noqa: F811
    return cast.active_service(bianchi, plan, activated_on=today)


def new_key(service, *, deposit=True, read=True, name="ERP", **more):
    _key, secret = api_key_create(
        service_id=service.pk, name=name, may_deposit=deposit, may_read=read, actor=service.customer.user, **more
    )
    return secret


@pytest.fixture
def secret(service):
    return new_key(service)


@pytest.fixture
def api(secret):
    """A client that sends rossi's key on every request, and no session cookie."""
    return Client(headers={"Authorization": f"Bearer {secret}"})
