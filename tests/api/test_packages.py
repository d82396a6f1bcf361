"""Depositing and reading packages through the API: the panel's rules, the API's answers."""

import json

import pytest

from archive.models import Deposit, Document
from audit.models import AuditEntry
from tests.api.conftest import new_key
from tests.archive import files
from tests.archive.conftest import deposit, generic

pytestmark = pytest.mark.django_db


def post_package(api, uploads, *, document_class="documento-generico", metadata=None, **headers):
    if metadata is None:
        metadata = {name: generic(subject_matter=f"Verbale {name}") for name in uploads if not name.endswith(".zip")}
    data = {"document_class": document_class, "metadata": json.dumps(metadata), "files": list(uploads.values())}
    return api.post("/api/v1/packages", data, headers=headers)


def test_a_package_is_accepted_with_its_documents_and_receipt(api, service):
    response = post_package(
        api, {"a.pdf": files.upload("a.pdf", files.pdf("A")), "b.pdf": files.upload("b.pdf", files.pdf("B"))}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    deposit = Deposit.objects.get()
    assert body["id"] == str(deposit.public_id) and body["status"] == "ACCETTATO"
    assert response["Location"] == f"/api/v1/packages/{deposit.public_id}"
    assert [item["name"] for item in body["documents"]] == ["a.pdf", "b.pdf"]
    assert body["document_count"] == 2 and body["refusals"] == []
    assert deposit.submitted_by.startswith("API: ERP (cs_")  # the key, on the receipt and the trail
    receipt = api.get(body["receipt_url"])
    assert receipt.status_code == 200 and receipt["Content-Type"].startswith("application/xml")
    assert receipt.content == deposit.receipt_xml.encode()
    service.refresh_from_db()
    assert service.used_bytes == sum(item["size"] for item in body["documents"])


def test_a_zip_with_its_own_sheet_is_one_package(api, service):
    sheet = b"file,oggetto,data\nx.pdf,Verbale X,2026-01-02\ny.pdf,Verbale Y,2026-01-03\n"
    archive = files.zipped({"x.pdf": files.pdf("X"), "y.pdf": files.pdf("Y"), "metadati.csv": sheet})
    response = post_package(api, {"lotto.zip": files.upload("lotto.zip", archive)}, metadata={})
    assert response.status_code == 201, response.content
    assert response.json()["document_count"] == 2


def test_a_rejected_package_says_why_for_each_file_and_keeps_nothing(api, service):
    response = post_package(
        api,
        {
            "ok.pdf": files.upload("ok.pdf", files.pdf()),
            "finto.pdf": files.upload("finto.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "package_rejected" and problem["status"] == 422
    assert [item["file"] for item in problem["problems"]] == ["finto.pdf"]
    assert Document.objects.count() == 0
    rejected = api.get(f"/api/v1/packages/{problem['package']}").json()
    assert rejected["status"] == "RIFIUTATO" and rejected["receipt_url"] is None
    assert rejected["refusals"][0]["file"] == "finto.pdf"
    assert api.get(f"/api/v1/packages/{problem['package']}/receipt").status_code == 404


def test_bad_requests_are_problems_with_the_field_named(api, service):
    missing = api.post("/api/v1/packages", {"document_class": "documento-generico"})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_request"
    assert "files" in [item["field"] for item in missing.json()["errors"]]
    bad_json = api.post(
        "/api/v1/packages",
        {"document_class": "documento-generico", "metadata": "[1, 2]", "files": [files.upload("a.pdf", files.pdf())]},
    )
    assert bad_json.status_code == 422 and bad_json.json()["errors"][0]["field"] == "metadata"
    assert Deposit.objects.count() == 0


def test_a_key_that_may_only_read_cannot_deposit(client, service):
    secret = new_key(service, deposit=False, read=True, name="sola lettura")
    response = post_package(client, {"a.pdf": files.upload("a.pdf", files.pdf())}, Authorization=f"Bearer {secret}")
    assert response.status_code == 403 and response.json()["code"] == "scope_missing"
    assert Deposit.objects.count() == 0


def test_packages_are_listed_newest_first_by_cursor(api, service, settings):
    settings.API_PAGE_SIZE = 2
    made = [deposit(service, {f"{n}.pdf": files.pdf(f"doc {n}")}) for n in range(5)]
    seen, cursor = [], ""
    while True:
        page = api.get("/api/v1/packages", {"cursor": cursor, "limit": 2}).json()
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [str(item.public_id) for item in reversed(made)]
    assert api.get("/api/v1/packages", {"cursor": "nonsense"}).json()["code"] == "invalid_cursor"
    assert api.get("/api/v1/packages", {"limit": 3}).json()["code"] == "invalid_request"


def test_another_customers_package_is_not_found(api, bianchi_service):
    theirs = deposit(bianchi_service, {"loro.pdf": files.pdf("loro")})
    for path in (f"/api/v1/packages/{theirs.public_id}", f"/api/v1/packages/{theirs.public_id}/receipt"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get("/api/v1/packages").json()["items"] == []


def test_the_deposit_is_on_the_audit_trail_as_the_key(api, service):
    post_package(api, {"a.pdf": files.upload("a.pdf", files.pdf())})
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DEPOSIT_ACCEPTED).get()
    assert entry.actor is None and entry.actor_label.startswith("API: ERP")
