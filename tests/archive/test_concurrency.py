"""Deposits at once, with real threads and row locks (PostgreSQL): the quota and the counts stay exact."""

import pytest

from archive.errors import ArchiveError
from archive.models import Deposit, Document
from archive.storage import LocalBlobStorage
from subscriptions.models import Service
from tests import threads
from tests.archive import files
from tests.archive.conftest import deposit
from tests.threads import skip_unless_postgresql

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def all_at_once(action, count=THREADS) -> list:
    """Each deposit says "kept", or "refused" when the archive refused it."""

    def kept(i):
        action(i)
        return "kept"

    return threads.all_at_once(kept, count, refused=(ArchiveError,))


def test_deposits_racing_for_the_last_free_space_pass_it_once(service):
    documents = [files.pdf(f"documento {i:02d}") for i in range(THREADS)]
    size = len(documents[0])
    assert {len(data) for data in documents} == {size}
    Service.objects.filter(pk=service.pk).update(quota_bytes=service.used_bytes + size + size // 2)

    results = all_at_once(lambda i: deposit(service, {f"doc-{i}.pdf": documents[i]}))

    assert sorted(results) == ["kept"] + ["refused"] * (THREADS - 1)
    assert Service.objects.get(pk=service.pk).used_bytes == size
    assert Document.objects.count() == 1
    assert Deposit.objects.filter(status=Deposit.Status.REJECTED).count() == THREADS - 1
    assert len(list(LocalBlobStorage().blobs())) == 1 and list(LocalBlobStorage().staged_files()) == []


def test_the_same_package_submitted_twice_at_once_is_kept_once(service):
    package = {"verbale.pdf": files.pdf(), "nota.txt": b"Promemoria\n"}

    results = all_at_once(lambda i: deposit(service, package))

    assert sorted(results) == ["kept"] + ["refused"] * (THREADS - 1)
    assert Service.objects.get(pk=service.pk).used_bytes == sum(len(data) for data in package.values())
    assert Document.objects.count() == 2
    rejected = Deposit.objects.filter(status=Deposit.Status.REJECTED)
    assert {refusal["reason"][:24] for deposit in rejected for refusal in deposit.refusals} == {
        "È già conservato, nel ve"
    }
    assert len(list(LocalBlobStorage().blobs())) == 2 and list(LocalBlobStorage().staged_files()) == []
