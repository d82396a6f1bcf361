"""Deposits at once, with real threads and row locks (PostgreSQL): the quota and the counts stay exact."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from archive.errors import ArchiveError
from archive.models import Deposit, Document
from archive.storage import LocalBlobStorage
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; .ci/run runs the suite again on PostgreSQL")


def all_at_once(action, count=THREADS) -> list[str]:
    """Runs action(i) in `count` threads released together; each says what happened."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            action(i)
            return "kept"
        except ArchiveError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


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
