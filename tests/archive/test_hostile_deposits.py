"""The attacker's deposits, on every channel (the panel's form, a metadata sheet, the API): none
answers 500, none leaves a file on disk (archive_orphans finds none), the quota stays exact to the
byte, and each is refused in words that name what is wrong."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from archive.models import Deposit, Document
from archive.storage import LocalBlobStorage
from subscriptions.models import Service
from tests.api.conftest import new_key
from tests.archive import files
from tests.archive.conftest import generic
from tests.panel.conftest import panel_url
from tests.panel.test_entry import enter

pytestmark = pytest.mark.django_db

NUL, START_OF_HEADING, RIGHT_TO_LEFT_OVERRIDE = "\x00", "\x01", "\u202e"


@pytest.fixture
def panel(rossi_client, service):
    enter(rossi_client, service)
    return rossi_client


@pytest.fixture
def api(service):
    return Client(headers={"Authorization": f"Bearer {new_key(service)}"})


class Sent(io.BytesIO):
    """A file as a client sends it, named anything (Django's own upload classes refuse "." and "..")."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name = name


def through_the_form(panel, service, name, data, fields):
    payload = {"document_class": "documento-generico", "files": [Sent(name, data)], **fields}
    return panel.post(panel_url("deposit", service), payload)


def through_a_sheet(panel, service, name, data, fields, *, kind="json"):
    if kind == "json":
        sheet = json.dumps([{"file": name, **fields}]).encode()
    else:
        text = io.StringIO()
        rows = csv.writer(text)
        rows.writerows([["file", *fields], [name, *fields.values()]])
        sheet = text.getvalue().encode()
    payload = {
        "document_class": "documento-generico",
        "files": [SimpleUploadedFile(name, data)],
        "sheet": SimpleUploadedFile(f"metadati.{kind}", sheet),
    }
    return panel.post(panel_url("deposit", service), payload)


def through_the_api(api, name, data, fields):
    payload = {
        "document_class": "documento-generico",
        "metadata": json.dumps({name: fields}),
        "files": [Sent(name, data)],
    }
    return api.post("/api/v1/packages", payload)


def nothing_kept(service, used_before=0):
    """No document, no file on disk, no byte counted: what archive_orphans would find, it finds none."""
    out = io.StringIO()
    call_command("archive_orphans", stdout=out)
    storage = LocalBlobStorage()
    return (
        not Document.objects.filter(service=service).exists()
        and list(storage.blobs()) == []
        and list(storage.staged_files()) == []
        and out.getvalue().startswith("0 orphan files")
        and Service.objects.get(pk=service.pk).used_bytes == used_before
    )


HOSTILE_VALUES = [
    pytest.param({"identificativo": f"A{START_OF_HEADING}B"}, "U+0001", id="control-character-in-identifier"),
    pytest.param({"oggetto": f"Verbale{NUL}"}, "U+0000", id="nul-in-subject-matter"),
    pytest.param({"oggetto": f"Verbale {RIGHT_TO_LEFT_OVERRIDE}fdp.exe"}, "U+202E", id="right-to-left-override"),
    pytest.param({"parole_chiave": f"uno, du{NUL}e"}, "U+0000", id="nul-in-a-keyword"),
]


@pytest.mark.parametrize(("fields", "named"), HOSTILE_VALUES)
def test_a_hostile_value_is_refused_on_the_form(panel, service, fields, named):
    response = through_the_form(panel, service, "verbale.pdf", files.pdf() * 20, generic(**fields))
    assert response.status_code in (200, 422)  # the form's own check, or the archive's
    assert "verbale.pdf" in response.content.decode() or "controllo" in response.content.decode()
    assert nothing_kept(service)


@pytest.mark.parametrize(("fields", "named"), HOSTILE_VALUES)
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_hostile_value_is_refused_in_a_sheet(panel, service, fields, named, kind):
    response = through_a_sheet(panel, service, "verbale.pdf", files.pdf() * 20, generic(**fields), kind=kind)
    assert response.status_code == 422
    page = response.content.decode()
    # Python's CSV reader refuses a NUL itself: the sheet is refused as unreadable, naming it.
    assert (named in page and "verbale.pdf" in page) or (kind == "csv" and "NUL" in page)
    assert nothing_kept(service)


@pytest.mark.parametrize(("fields", "named"), HOSTILE_VALUES)
def test_a_hostile_value_is_refused_through_the_api(api, service, fields, named):
    response = through_the_api(api, "verbale.pdf", files.pdf() * 20, generic(**fields))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "package_rejected"
    assert [problem["file"] for problem in body["problems"]] == ["verbale.pdf"]
    assert named in body["problems"][0]["reason"]
    assert nothing_kept(service)


def test_three_refused_requests_of_large_files_leave_nothing_on_disk(api, service):
    """The attacker's case: 3 × 3 files with a bad identifier, after the files were read whole."""
    for attempt in range(3):
        payload = {
            "document_class": "documento-generico",
            "metadata": json.dumps({f"{n}.pdf": generic(identificativo=f"A{START_OF_HEADING}B") for n in range(3)}),
            "files": [SimpleUploadedFile(f"{n}.pdf", files.pdf(f"{attempt}-{n}") * 400) for n in range(3)],
        }
        assert api.post("/api/v1/packages", payload).status_code == 422
    assert nothing_kept(service)
    assert Deposit.objects.filter(status=Deposit.Status.REJECTED).count() == 3


def test_json_nested_fifty_thousand_deep_is_refused_in_words(api, panel, service):
    deep = "[" * 50_000 + "]" * 50_000
    response = api.post(
        "/api/v1/packages",
        {
            "document_class": "documento-generico",
            "metadata": '{"verbale.pdf": {"soggetti": ' + deep + "}}",
            "files": [SimpleUploadedFile("verbale.pdf", files.pdf())],
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    sheet = SimpleUploadedFile("metadati.json", deep.encode())
    response = panel.post(
        panel_url("deposit", service),
        {
            "document_class": "documento-generico",
            "files": [SimpleUploadedFile("verbale.pdf", files.pdf())],
            "sheet": sheet,
        },
    )
    assert response.status_code == 422 and "annidato" in response.content.decode()
    assert nothing_kept(service)


def test_a_value_nested_a_few_levels_is_refused_as_text(api, service):
    nested = generic(oggetto={"a": [{"b": ["c"]}]})
    response = through_the_api(api, "verbale.pdf", files.pdf(), nested)
    assert response.status_code == 422
    assert "testo" in response.json()["problems"][0]["reason"]
    assert nothing_kept(service)


def test_a_sheet_column_numbered_with_five_thousand_digits_is_refused_in_words(panel, service):
    column = "soggetto_" + "9" * 5000 + "_ruolo"
    sheet = f"file,data,oggetto,{column}\nverbale.pdf,2026-03-01,Verbale,cedente\n".encode()
    response = panel.post(
        panel_url("deposit", service),
        {
            "document_class": "documento-generico",
            "files": [SimpleUploadedFile("verbale.pdf", files.pdf())],
            "sheet": SimpleUploadedFile("metadati.csv", sheet),
        },
    )
    assert response.status_code == 422 and "Metadati sconosciuti" in response.content.decode()
    assert nothing_kept(service)


@pytest.mark.parametrize("name", ["..", ".", f"verbale{START_OF_HEADING}.pdf", f"fdp{RIGHT_TO_LEFT_OVERRIDE}fdp.pdf"])
def test_a_file_name_with_control_characters_or_dots_is_refused_not_changed(panel, api, service, name):
    response = through_the_form(panel, service, name, files.pdf(), generic())
    assert response.status_code == 422, response.content.decode()[:500]
    assert "nome" in response.content.decode()
    response = through_the_api(api, name, files.pdf(), generic())
    assert response.status_code == 422, response.content
    assert nothing_kept(service)


def test_a_hundred_files_and_a_sheet_are_refused_in_words(panel, service):
    uploads = [SimpleUploadedFile(f"doc-{n}.txt", b"verbale %d" % n) for n in range(100)]
    sheet = SimpleUploadedFile("metadati.csv", b"file,data,oggetto\n")
    response = panel.post(
        panel_url("deposit", service), {"document_class": "documento-generico", "files": uploads, "sheet": sheet}
    )
    assert response.status_code == 400
    assert "un unico file ZIP" in response.content.decode()
    assert nothing_kept(service)


def test_an_upload_past_the_largest_file_is_stopped_while_it_arrives(panel, api, service, settings):
    settings.ARCHIVE_FILE_MAX_BYTES = 64 * 1024
    big = files.pdf() + b"%" * (200 * 1024)
    response = through_the_form(panel, service, "grande.pdf", big, generic())
    assert response.status_code == 413 and "grande.pdf" in response.content.decode()
    response = through_the_api(api, "grande.pdf", big, generic())
    assert response.status_code == 413 and "grande.pdf" in response.json()["detail"]
    assert nothing_kept(service) and not Deposit.objects.exists()


def test_an_upload_past_the_free_space_is_stopped_while_it_arrives(panel, api, service):
    Service.objects.filter(pk=service.pk).update(quota_bytes=32 * 1024)
    big = files.pdf() + b"%" * (100 * 1024)
    response = through_the_form(panel, service, "grande.pdf", big, generic())
    assert response.status_code == 413 and "Spazio insufficiente" in response.content.decode()
    response = through_the_api(api, "grande.pdf", big, generic())
    assert response.status_code == 413 and "Spazio insufficiente" in response.json()["detail"]
    assert nothing_kept(service)


def test_a_zip_whose_compressed_entry_is_damaged_is_refused_in_words(panel, api, service):
    """zlib's own error, not one of zipfile's, when the deflated bytes are garbled."""
    intact = files.zipped(
        {"verbale.pdf": files.pdf() * 20, "metadati.csv": b"file,data,oggetto\nverbale.pdf,2026-03-01,V\n"}
    )
    damaged = bytearray(intact)
    start = damaged.index(b"verbale.pdf") + len(b"verbale.pdf") + 10  # inside the first entry's deflated data
    damaged[start : start + 40] = b"\xff" * 40

    response = panel.post(
        panel_url("deposit", service),
        {"document_class": "documento-generico", "files": [Sent("lotto.zip", bytes(damaged))]},
    )
    assert response.status_code == 422 and "danneggiato" in response.content.decode()
    response = api.post(
        "/api/v1/packages", {"document_class": "documento-generico", "files": [Sent("lotto.zip", bytes(damaged))]}
    )
    assert response.status_code == 422 and response.json()["code"] == "package_rejected"
    assert nothing_kept(service)
