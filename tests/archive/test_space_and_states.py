"""Space: every kept byte counts against the quota, and a deposit past it is refused before anything
is read. States: only an ATTIVO service deposits; SCADUTO still reads, SOSPESO and CESSATO close."""

import datetime

import pytest

from archive import selectors, services
from archive.errors import ArchiveError
from archive.models import Document
from archive.selectors import DocumentQuery
from archive.storage import LocalBlobStorage
from audit.actors import SYSTEM
from subscriptions.models import Service
from subscriptions.services import service_cease, service_expire, service_suspend
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def set_quota(service, quota_bytes, used_bytes=0):
    Service.objects.filter(pk=service.pk).update(quota_bytes=quota_bytes, used_bytes=used_bytes)


def expire(service):
    service_expire(service_id=service.pk, today=service.expires_on + datetime.timedelta(days=1), actor=SYSTEM)
    return Service.objects.get(pk=service.pk)


def suspend(service):
    service = expire(service)
    service_suspend(service_id=service.pk, today=service.expires_on + datetime.timedelta(days=60), actor=SYSTEM)
    return Service.objects.get(pk=service.pk)


def test_a_deposit_past_the_quota_is_refused_before_any_file_is_read(service, monkeypatch):
    data = files.pdf()
    set_quota(service, quota_bytes=len(data) + 10, used_bytes=20)
    monkeypatch.setattr("archive.services.ingest_package", lambda *args: pytest.fail("a file was read"))

    with pytest.raises(ArchiveError) as caught:
        deposit(service, {"verbale.pdf": data})

    assert str(caught.value).startswith("Spazio insufficiente: il versamento occupa")
    assert str(caught.value).endswith("Aumenta lo spazio dall'Area Clienti.")
    assert Service.objects.get(pk=service.pk).used_bytes == 20
    assert not Document.objects.exists()


def test_a_deposit_that_fills_the_quota_exactly_is_kept(service):
    data = files.pdf()
    set_quota(service, quota_bytes=len(data) + 20, used_bytes=20)

    deposit(service, {"verbale.pdf": data})

    service.refresh_from_db()
    assert service.used_bytes == service.quota_bytes
    assert service.space_used_percent == 100


def test_the_quota_is_checked_again_under_the_lock(service, monkeypatch):
    """Space another deposit took while this one's files were streaming is seen under the lock."""
    data = files.pdf()
    set_quota(service, quota_bytes=len(data) + 10)
    real_ingest = services.ingest_package

    def ingest_while_another_deposit_lands(*args):
        Service.objects.filter(pk=service.pk).update(used_bytes=20)
        return real_ingest(*args)

    monkeypatch.setattr(services, "ingest_package", ingest_while_another_deposit_lands)
    with pytest.raises(ArchiveError) as caught:
        deposit(service, {"verbale.pdf": data})

    assert str(caught.value).startswith("Spazio insufficiente")
    assert Service.objects.get(pk=service.pk).used_bytes == 20
    assert not Document.objects.exists()
    assert list(LocalBlobStorage().blobs()) == [] and list(LocalBlobStorage().staged_files()) == []


def test_an_expired_service_cannot_deposit_and_says_how_to_renew(service):
    service = expire(service)

    with pytest.raises(ArchiveError) as caught:
        deposit(service, {"verbale.pdf": files.pdf()})

    assert str(caught.value) == (
        "Il servizio è scaduto: rinnovalo dall'Area Clienti per versare nuovi documenti. "
        "I documenti già conservati restano consultabili e scaricabili."
    )
    assert caught.value.deposit.refusals == [{"file": "", "reason": str(caught.value)}]


def test_an_expired_service_still_searches_and_downloads(service):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()
    service = expire(service)

    assert [result.document for result in selectors.search_results(service=service, query=DocumentQuery())] == [
        document
    ]
    assert selectors.document_download(service=service, public_id=document.public_id).file.read() == data


@pytest.mark.parametrize(
    ("close", "message"),
    [
        (suspend, "Il Pannello è chiuso perché il servizio è sospeso: rinnovalo dall'Area Clienti per riaprirlo."),
        (
            lambda service: service_cease(service_id=suspend(service).pk, actor=SYSTEM),
            "Il Pannello è chiuso: il servizio è cessato.",
        ),
    ],
    ids=["suspended", "ceased"],
)
def test_a_suspended_or_ceased_service_closes_the_archive(service, close, message):
    kept = deposit(service, {"verbale.pdf": files.pdf()})
    document = kept.documents.get()
    close(service)
    service = Service.objects.get(pk=service.pk)

    reads = [
        lambda: selectors.search_results(service=service, query=DocumentQuery()),
        lambda: selectors.document_for_service(service=service, public_id=document.public_id),
        lambda: selectors.document_download(service=service, public_id=document.public_id),
        lambda: selectors.deposits_for_service(service=service),
        lambda: selectors.receipt_for_service(service=service, public_id=kept.public_id),
        lambda: selectors.fiscal_deadlines(service=service),
    ]
    for read in reads:
        with pytest.raises(ArchiveError, match=message):
            read()
    with pytest.raises(ArchiveError):
        deposit(service, {"altro.pdf": files.pdf("altro")})


def test_a_service_waiting_for_payment_cannot_deposit(rossi, plan, document_classes):
    from orders.services import order_place_first_purchase

    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    service = Service.objects.get(pk=order.service_id)

    with pytest.raises(ArchiveError, match="Il servizio non è ancora attivo"):
        deposit(service, {"verbale.pdf": files.pdf()})
