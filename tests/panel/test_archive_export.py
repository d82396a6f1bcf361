"""The whole archive as one ZIP from the service page, for its customer whatever the state: every
document byte-identical, every receipt, an index of hashes that says which files still match."""

import csv
import datetime
import io
import json
import subprocess
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.errors import ArchiveError
from archive.models import Document
from archive.storage import blob_name
from audit.actors import SYSTEM
from audit.models import AuditEntry
from panel.services import panel_password_set
from subscriptions.models import Service
from subscriptions.services import service_expire, service_suspend
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def export(client, service):
    return client.get(reverse("panel:export", args=[service.public_id]), REMOTE_ADDR="198.51.100.4")


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def index_rows(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("indice.csv").decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def kept(service, rossi):
    """Two packages: an invoice alone, then two generic documents."""
    first = deposit(service, {"fattura.xml": files.invoice_xml(rossi)}, document_class="fattura-attiva", metadata={})
    second = deposit(service, {"a.pdf": files.pdf(), "b.txt": b"appunti del 2026\n"})
    return first, second


def test_it_holds_every_document_byte_identical_and_every_receipt(rossi_client, service, kept):
    first, second = kept
    archive = unzip(export(rossi_client, service))

    assert archive.testzip() is None
    rows = index_rows(archive)
    assert len(rows) == Document.objects.filter(service=service).count() == 3
    for row in rows:
        document = Document.objects.get(public_id=row["documento"])
        data = archive.read(row["percorso"])
        assert len(data) == document.size and row["sha256"] == document.sha256 and row["verifica"] == "OK"
    assert {f"versamenti/{first.public_id}.xml", f"versamenti/{second.public_id}.xml"} <= set(archive.namelist())
    assert archive.read(f"versamenti/{first.public_id}.xml").decode() == first.receipt_xml
    assert f"documenti/{second.public_id}/0002-b.txt" in archive.namelist()
    assert "LEGGIMI.txt" in archive.namelist()


def test_a_suspended_service_still_exports_its_archive(rossi_client, service, kept, today):
    later = service.expires_on + datetime.timedelta(days=60)
    service_expire(service_id=service.pk, today=later, actor=SYSTEM)
    service_suspend(service_id=service.pk, today=later, actor=SYSTEM)
    service.refresh_from_db()
    assert service.status == Service.Status.SUSPENDED

    page = rossi_client.get(service.get_absolute_url()).content.decode()
    assert 'id="archive-export"' in page and "Accedi al Pannello" not in page
    assert len(index_rows(unzip(export(rossi_client, service)))) == 3


def test_a_file_that_no_longer_matches_its_hash_is_flagged_in_the_index(rossi_client, service, kept, settings):
    document = Document.objects.get(service=service, name="a.pdf")
    path = settings.ARCHIVE_STORAGE_ROOT / "blobs" / blob_name(service.public_id, document.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 altered")

    rows = {row["nome_originale"]: row for row in index_rows(unzip(export(rossi_client, service)))}
    assert rows["a.pdf"]["verifica"] == "NON_CORRISPONDE"
    assert rows["fattura.xml"]["verifica"] == "OK"


def test_the_export_is_on_the_audit_trail_with_who_and_from_where(rossi_client, rossi, service, kept):
    b"".join(export(rossi_client, service).streaming_content)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ARCHIVE_EXPORTED)
    assert entry.actor_id == rossi.user.pk and entry.values()["address"] == "198.51.100.4"


def test_a_service_not_active_yet_has_nothing_to_export(rossi_client, rossi, plan, document_classes):
    from orders.services import order_place_first_purchase

    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    response = export(rossi_client, order.service)
    assert response.status_code == 302 and response.url == order.service.get_absolute_url()


def test_another_customer_and_the_panels_own_login_get_a_404(bianchi_client, client, rossi, service, kept):
    """The panel's login (an accountant's) works in the panel only: taking the archive away is the customer's."""
    assert export(bianchi_client, service).status_code == 404
    account = panel_password_set(service_id=service.pk, password="una-password-del-pannello", actor=rossi.user)
    client.force_login(account.user)
    assert export(client, service).status_code == 404


def test_the_export_reads_the_database_in_as_many_queries_for_more_documents(rossi_client, service, kept):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            unzip(export(rossi_client, service))
        return len(captured)

    unzip(export(rossi_client, service))  # the first request of a session also writes the session
    few = queries()
    deposit(service, {f"n{number}.txt": f"nota {number}\n".encode() for number in range(12)})
    assert queries() == few


def test_the_index_carries_every_metadata_field_and_round_trips_in_json(rossi_client, service):
    subject = {"ruolo": "autore", "denominazione": "Studio Rossi S.r.l.", "partita_iva": "IT01234560157"}
    fields = {
        "oggetto": "Verbale dell'assemblea dei soci",
        "data": "2026-03-01",
        "parole_chiave": ["assemblea", "soci"],
        "soggetti": [subject],
        "identificativo": "V-7",
    }
    deposit(service, {"verbale.pdf": files.pdf()}, metadata={"verbale.pdf": fields})
    archive = unzip(export(rossi_client, service))

    (row,) = index_rows(archive)
    assert row["oggetto"] == "Verbale dell'assemblea dei soci" and row["identificativo"] == "V-7"
    assert row["parole_chiave"] == "assemblea | soci"
    assert row["soggetti"] == "AUTORE: Studio Rossi S.r.l. (IT01234560157)"
    assert row["anno_fiscale"] == "2026" and row["tempo_di_conservazione"] == "10"
    assert row["formato_riconosciuto"].startswith("PDF 1.") and row["puid"].startswith("fmt/")
    (entry,) = json.loads(archive.read("indice.json"))["documenti"]
    assert entry["parole_chiave"] == ["assemblea", "soci"] and entry["oggetto"] == fields["oggetto"]
    assert entry["soggetti"] == [
        {
            "ruolo": "AUTORE",
            "denominazione": "Studio Rossi S.r.l.",
            "paese": "IT",
            "partita_iva": "01234560157",
            "codice_fiscale": "",
        }
    ]


def test_a_cell_a_spreadsheet_would_run_is_neutralised(rossi_client, service):
    """CSV injection: a subject matter, a keyword or a file name starting with =, +, - or @ is written
    with a leading apostrophe, which a spreadsheet shows as text; indice.json keeps it as it is."""
    hostile = {'=HYPERLINK("x").txt': "=1+1", "+39 nota.txt": "+SUM(A1)", "-2 nota.txt": "-1", "@nota.txt": "@cmd"}
    deposit(
        service,
        {name: f"nota {number}\n".encode() for number, name in enumerate(hostile)},
        metadata={name: {"oggetto": subject_matter, "data": "2026-03-01"} for name, subject_matter in hostile.items()},
    )
    archive = unzip(export(rossi_client, service))

    # Read as a spreadsheet reads a CSV: every cell, whatever its column, and none may start a formula.
    cells = [
        cell
        for row in csv.reader(io.StringIO(archive.read("indice.csv").decode("utf-8-sig")), delimiter=";")
        for cell in row
    ]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    rows = {row["nome_originale"]: row for row in index_rows(archive)}
    assert rows['\'=HYPERLINK("x").txt']["oggetto"] == "'=1+1"
    assert {entry["oggetto"] for entry in json.loads(archive.read("indice.json"))["documenti"]} == set(hostile.values())


def test_sha256sum_checks_every_document_receipt_and_outcome(rossi_client, service, kept, tmp_path):
    with pytest.raises(ArchiveError):
        deposit(service, {"finto.pdf": b"non un PDF"})
    archive = unzip(export(rossi_client, service))
    archive.extractall(tmp_path)

    checked = subprocess.run(  # noqa: S603
        ["/usr/bin/sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert len(lines) == 3 + 2 + 1  # three documents, two receipts, one esito negativo
    assert all(line.endswith(": OK") for line in lines)
    assert any(line.startswith("esiti/") for line in lines)
