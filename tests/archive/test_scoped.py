"""Another customer's document, package, receipt or download does not exist for a service."""

import pytest
from django.http import Http404

from archive import selectors
from archive.selectors import DocumentQuery
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def rossis(service):
    return deposit(service, {"verbale.pdf": files.pdf()})


@pytest.mark.parametrize(
    "read",
    [
        lambda service, kept: selectors.document_for_service(service=service, public_id=kept.documents.get().public_id),
        lambda service, kept: selectors.document_download(service=service, public_id=kept.documents.get().public_id),
        lambda service, kept: selectors.deposit_for_service(service=service, public_id=kept.public_id),
        lambda service, kept: selectors.receipt_for_service(service=service, public_id=kept.public_id),
    ],
    ids=["document", "download", "package", "receipt"],
)
def test_it_checks_the_owner(bianchi_service, rossis, read):
    with pytest.raises(Http404):
        read(bianchi_service, rossis)


def test_the_search_sees_only_the_services_own_documents(bianchi_service, rossis):
    sha256 = rossis.documents.get().sha256

    assert list(selectors.search_results(service=bianchi_service, query=DocumentQuery(sha256=sha256))) == []
    assert list(selectors.deposits_for_service(service=bianchi_service)) == []
    assert selectors.fiscal_deadlines(service=bianchi_service)[0].documents == 0


def test_the_same_file_may_be_kept_by_two_customers(service, bianchi_service):
    data = files.pdf()
    deposit(service, {"verbale.pdf": data})
    deposit(bianchi_service, {"verbale.pdf": data})

    assert bianchi_service.documents.count() == service.documents.count() == 1
