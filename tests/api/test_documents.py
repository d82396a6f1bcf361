"""Searching and retrieving documents through the API: the panel's filters, its scoping, and files
served as resuming and caching clients expect."""

import base64
import hashlib

import pytest

from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit, generic

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(service):
    deposit(
        service, {"marzo.pdf": files.pdf("marzo")}, metadata={"marzo.pdf": generic("Verbale di marzo", "2026-03-01")}
    )
    return deposit(
        service,
        {"aprile.pdf": files.pdf("aprile")},
        metadata={"aprile.pdf": generic("Verbale di aprile", "2026-04-01")},
    ).documents.get()


def test_documents_are_searched_with_the_panels_filters(api, kept):
    everything = api.get("/api/v1/documents").json()
    assert [item["name"] for item in everything["items"]] == ["aprile.pdf", "marzo.pdf"]
    found = api.get("/api/v1/documents", {"date_from": "2026-03-15"}).json()["items"]
    assert [item["id"] for item in found] == [str(kept.public_id)]
    assert api.get("/api/v1/documents", {"keyword": "marzo"}).json()["items"][0]["name"] == "marzo.pdf"
    assert api.get("/api/v1/documents", {"sha256": kept.sha256}).json()["items"][0]["id"] == str(kept.public_id)
    assert api.get("/api/v1/documents", {"date_from": "not a date"}).json()["code"] == "invalid_request"


def test_the_cursor_walks_every_document_once(api, service, settings):
    for n in range(7):
        deposit(service, {f"{n}.pdf": files.pdf(f"doc {n}")})
    seen, cursor = [], ""
    while True:
        page = api.get("/api/v1/documents", {"limit": 3, "cursor": cursor}).json()
        seen += [item["name"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [f"{n}.pdf" for n in reversed(range(7))]


def test_a_document_has_its_metadata_and_links(api, kept):
    body = api.get(f"/api/v1/documents/{kept.public_id}").json()
    assert body["sha256"] == kept.sha256 and body["subject_matter"] == "Verbale di aprile"
    assert body["package"] == str(kept.deposit.public_id)
    assert body["file_url"] == f"/api/v1/documents/{kept.public_id}/file"


def test_the_file_comes_whole_with_its_hash_headers(api, kept):
    response = api.get(f"/api/v1/documents/{kept.public_id}/file")
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(content).hexdigest() == kept.sha256
    assert response["ETag"] == f'"{kept.sha256}"'
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'attachment; filename="aprile.pdf"'
    unchanged = api.get(kept_file(kept), headers={"If-None-Match": f'"{kept.sha256}"'})
    assert unchanged.status_code == 304 and unchanged["ETag"] == f'"{kept.sha256}"'


def kept_file(document):
    return f"/api/v1/documents/{document.public_id}/file"


def test_a_range_is_served_as_206_and_past_the_end_as_416(api, kept):
    whole = b"".join(api.get(kept_file(kept)).streaming_content)
    part = api.get(kept_file(kept), headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == whole[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(whole)}" and part["Content-Length"] == "10"
    tail = api.get(kept_file(kept), headers={"Range": "bytes=-5"})
    assert b"".join(tail.streaming_content) == whole[-5:]
    resumed = api.get(kept_file(kept), headers={"Range": "bytes=100-", "If-Range": f'"{kept.sha256}"'})
    assert b"".join(resumed.streaming_content) == whole[100:]
    other_version = api.get(kept_file(kept), headers={"Range": "bytes=100-", "If-Range": '"other"'})
    assert other_version.status_code == 200
    past = api.get(kept_file(kept), headers={"Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(whole)}"
    assert past.json()["code"] == "range_not_satisfiable"


def test_a_file_that_no_longer_matches_its_hash_is_not_delivered(api, kept, settings):
    stored = next((settings.ARCHIVE_STORAGE_ROOT).rglob(f"*{kept.sha256}*"))
    stored.chmod(0o600)
    stored.write_bytes(b"tampered")
    response = api.get(kept_file(kept))
    assert response.status_code == 503 and response.json()["code"] == "document_unavailable"


def test_another_customers_document_is_not_found(api, bianchi_service):
    theirs = deposit(bianchi_service, {"loro.pdf": files.pdf("loro")}).documents.get()
    for path in (f"/api/v1/documents/{theirs.public_id}", kept_file(theirs)):
        assert api.get(path).status_code == 404
    assert api.get("/api/v1/documents", {"sha256": theirs.sha256}).json()["items"] == []


def test_a_suspended_service_closes_the_archive_but_not_the_service_endpoint(api, service, kept):
    Service.objects.filter(pk=service.pk).update(status=Service.Status.SUSPENDED)
    closed = api.get("/api/v1/documents")
    assert closed.status_code == 409 and closed.json()["code"] == "archive_closed"
    state = api.get("/api/v1/service").json()
    assert state["status"] == "SOSPESO" and state["archive_open"] is False
