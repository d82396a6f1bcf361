"""Exactly once: a retried deposit under the same Idempotency-Key returns the first answer and keeps
nothing twice; the key reused for another body is refused; ten copies at once make one package."""

import datetime
import json

import pytest
from django.test import Client

from api.models import IdempotentRequest
from archive.models import Deposit, Document
from tests import threads
from tests.archive import files
from tests.archive.conftest import generic


def package(name="a.pdf", content=b"", **headers):
    """A fresh multipart body each time, as a client's retry sends it (a new boundary too)."""
    return (
        "/api/v1/packages",
        {
            "document_class": "documento-generico",
            "metadata": json.dumps({name: generic()}),
            "files": [files.upload(name, content or files.pdf(name))],
        },
    )


@pytest.mark.django_db
def test_a_retry_returns_the_first_answer_and_deposits_nothing_twice(api, service):
    first = api.post(*package(), headers={"Idempotency-Key": "ordine-42"})
    again = api.post(*package(), headers={"Idempotency-Key": "ordine-42"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Deposit.objects.count() == 1 and Document.objects.count() == 1


@pytest.mark.django_db
def test_a_rejection_is_replayed_too_without_a_second_record(api, service):
    bad = ("finto.pdf", b"MZ not a pdf")
    first = api.post(*package(*bad), headers={"Idempotency-Key": "k1"})
    again = api.post(*package(*bad), headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again["Content-Type"] == "application/problem+json"
    assert Deposit.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api, service):
    assert api.post(*package("a.pdf"), headers={"Idempotency-Key": "k"}).status_code == 201
    reused = api.post(*package("b.pdf"), headers={"Idempotency-Key": "k"})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert Deposit.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_api_key_and_checked(api, service, secret):
    from tests.api.conftest import new_key

    other = Client(headers={"Authorization": f"Bearer {new_key(service, name='altro')}"})
    assert api.post(*package("a.pdf"), headers={"Idempotency-Key": "k"}).status_code == 201
    assert other.post(*package("b.pdf"), headers={"Idempotency-Key": "k"}).status_code == 201
    bad = api.post(*package("c.pdf"), headers={"Idempotency-Key": "with space"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_while_the_first_runs_a_copy_is_told_to_wait_and_a_dead_one_is_taken_over(api, service, settings):
    first = api.post(*package("a.pdf"), headers={"Idempotency-Key": "running"})
    claim = IdempotentRequest.objects.get(key="running")
    IdempotentRequest.objects.filter(pk=claim.pk).update(status_code=None, response_body="")  # as if still running
    waiting = api.post(*package("a.pdf"), headers={"Idempotency-Key": "running"})
    assert waiting.status_code == 409 and waiting["Retry-After"] and waiting.json()["code"] == "request_in_progress"
    old = claim.created_at - datetime.timedelta(seconds=settings.API_IDEMPOTENCY_STALE_SECONDS + 1)
    IdempotentRequest.objects.filter(pk=claim.pk).update(created_at=old)  # the first process died
    taken_over = api.post(*package("a.pdf"), headers={"Idempotency-Key": "running"})
    # Run again, it cannot keep the document twice: the archive refuses what the service keeps.
    assert first.status_code == 201 and taken_over.status_code == 422
    assert Document.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_ten_identical_requests_at_once_make_one_package(service, secret):
    threads.skip_unless_postgresql()
    content = files.pdf("una volta sola")

    def send(i):
        client = Client(headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "notte-2026-12-06"})
        return client.post(*package("fattura.pdf", content)).status_code

    statuses = threads.all_at_once(send, 10, refused=())
    assert Deposit.objects.count() == 1 and Document.objects.count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
