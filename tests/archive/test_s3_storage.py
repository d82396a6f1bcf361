"""The archive kept in an S3-compatible bucket: moto's standalone server, started on loopback for the
session, speaks S3 over HTTP to the real boto3 client; each test has a bucket of its own."""

import hashlib
import io
import uuid

import boto3
import pytest
from django.core.management import call_command
from django.http import FileResponse
from moto.server import ThreadedMotoServer

from archive import s3, services
from archive.errors import ArchiveError
from archive.models import Document
from archive.selectors import document_download
from archive.storage import blob_name, blob_storage
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db

REGION = "eu-south-1"
MiB = 1024**2
SMALL_PART = 5 * MiB  # the least S3 takes for a part but the last


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def bucket(s3_endpoint, settings, monkeypatch):
    """A new bucket, named in the settings with the S3 backend chosen."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings.ARCHIVE_STORAGE_BACKEND = "archive.s3.S3BlobStorage"
    settings.ARCHIVE_S3_ENDPOINT_URL = s3_endpoint
    settings.ARCHIVE_S3_REGION = REGION
    settings.ARCHIVE_S3_ACCESS_KEY_ID = "conserva-test"
    settings.ARCHIVE_S3_SECRET_ACCESS_KEY = "conserva-test-secret"
    settings.ARCHIVE_S3_BUCKET = f"conserva-{uuid.uuid4().hex[:16]}"
    settings.ARCHIVE_S3_PREFIX = "archivio/"
    client(settings).create_bucket(
        Bucket=settings.ARCHIVE_S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return settings.ARCHIVE_S3_BUCKET


def client(settings):
    """A client of the test's own, to look at the bucket from outside the archive."""
    return boto3.client(
        "s3",
        endpoint_url=settings.ARCHIVE_S3_ENDPOINT_URL,
        region_name=REGION,
        aws_access_key_id=settings.ARCHIVE_S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.ARCHIVE_S3_SECRET_ACCESS_KEY,
    )


def blob_key(service, data):
    return "archivio/blobs/" + blob_name(service.public_id, hashlib.sha256(data).hexdigest())


def keys(settings):
    listed = client(settings).list_objects_v2(Bucket=settings.ARCHIVE_S3_BUCKET)
    return sorted(found["Key"] for found in listed.get("Contents", []))


def uploads_in_progress(settings):
    return client(settings).list_multipart_uploads(Bucket=settings.ARCHIVE_S3_BUCKET).get("Uploads", [])


def text_mib(index: int) -> bytes:
    """One MiB of a text register, different for each index."""
    return (f"{index:02d} registro IVA vendite, riga\n".encode() * (MiB // 28 + 1))[:MiB]


def orphans(*arguments) -> str:
    out = io.StringIO()
    call_command("archive_orphans", *arguments, stdout=out)
    return out.getvalue()


def test_the_settings_choose_the_s3_backend():
    assert isinstance(blob_storage(), s3.S3BlobStorage)


def test_a_deposit_is_kept_under_its_hash_and_downloaded_byte_identical(service, settings):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()

    assert keys(settings) == [blob_key(service, data)]
    assert uploads_in_progress(settings) == []
    download = document_download(service=service, public_id=document.public_id)
    with download.file:
        assert download.file.read() == data
    assert Service.objects.get(pk=service.pk).used_bytes == len(data)


def test_a_download_streams_through_a_file_response_with_its_length(service):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()

    download = document_download(service=service, public_id=document.public_id)
    response = FileResponse(download.file, as_attachment=True, filename=download.name)
    assert response["Content-Length"] == str(len(data))
    assert b"".join(response.streaming_content) == data
    response.close()


def test_a_fatturapa_in_a_zip_comes_back_byte_identical(service, rossi):
    invoice = files.invoice_xml(rossi)
    package = files.zipped({"2026/fatture/fattura.xml": invoice})
    kept = deposit(service, {"fatture.zip": package}, document_class="fattura-attiva", metadata={})

    download = document_download(service=service, public_id=kept.documents.get().public_id)
    with download.file:
        assert download.file.read() == invoice
    assert (download.name, download.size) == ("fattura.xml", len(invoice))


def test_an_identical_blob_already_there_is_reused_never_rewritten(service, settings):
    data = files.pdf()
    left_by_a_crash = client(settings).put_object(
        Bucket=settings.ARCHIVE_S3_BUCKET, Key=blob_key(service, data), Body=data, Metadata={"written": "first"}
    )

    deposit(service, {"verbale.pdf": data})

    kept = client(settings).head_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key=blob_key(service, data))
    assert (kept["ETag"], kept["Metadata"]) == (left_by_a_crash["ETag"], {"written": "first"})
    assert keys(settings) == [blob_key(service, data)]
    assert Document.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_promote_replaces_an_orphan_that_is_not_what_its_name_says(service, settings):
    """An unreferenced object under a hash's name, with other bytes (a damaged orphan): the copy just
    verified takes its place; one that is what its name says is kept, never rewritten."""
    data = b"il contenuto vero\n"
    name = blob_name(service.public_id, hashlib.sha256(data).hexdigest())
    client(settings).put_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key="archivio/blobs/" + name, Body=b"altro")
    storage = blob_storage()
    with storage.stage() as staging:
        staging.write(data)
        staged = staging.finish()

    assert storage.promote(staged, name, len(data))
    kept = client(settings).get_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key="archivio/blobs/" + name)
    assert kept["Body"].read() == data


def test_promote_says_whether_it_wrote_the_blob(service):
    storage = blob_storage()
    name = blob_name(service.public_id, hashlib.sha256(b"stesso contenuto").hexdigest())
    promoted = []
    for _ in range(2):
        with storage.stage() as staging:
            staging.write(b"stesso contenuto")
            promoted.append(storage.promote(staging.finish(), name, 16))

    assert promoted == [True, False]
    assert list(storage.staged_files()) == []


def test_a_large_file_streams_in_parts_that_reach_the_server_before_it_ends(settings):
    storage = s3.S3BlobStorage(part_bytes=SMALL_PART)
    digest = hashlib.sha256()
    staging = storage.stage()
    for index in range(20):  # 20 MiB, one MiB at a time, never whole in memory
        chunk = text_mib(index)
        digest.update(chunk)
        staging.write(chunk)
        if index == 11:
            (upload,) = uploads_in_progress(settings)
            parts = client(settings).list_parts(
                Bucket=settings.ARCHIVE_S3_BUCKET, Key=upload["Key"], UploadId=upload["UploadId"]
            )
            assert [part["Size"] for part in parts["Parts"]] == [SMALL_PART, SMALL_PART]
    staged = staging.finish()

    head = client(settings).head_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key=f"archivio/staging/{staged}")
    assert head["ContentLength"] == 20 * MiB and head["ETag"].endswith('-4"')
    assert uploads_in_progress(settings) == []
    name = blob_name(uuid.uuid4(), digest.hexdigest())
    assert storage.promote(staged, name, 20 * MiB)
    with storage.open(name) as kept:
        assert hashlib.sha256(kept.read()).hexdigest() == digest.hexdigest()


def test_a_20_mib_deposit_goes_up_in_parts_and_comes_back_byte_identical(service, settings, monkeypatch):
    monkeypatch.setattr(s3, "PART_BYTES", SMALL_PART)
    data = b"".join(text_mib(index) for index in range(20))
    document = deposit(service, {"registro.txt": data}).documents.get()

    assert document.size == len(data)
    assert keys(settings) == [blob_key(service, data)]
    download = document_download(service=service, public_id=document.public_id)
    with download.file:
        assert download.file.read() == data


def test_a_file_refused_mid_stream_leaves_no_upload_behind(service, settings, monkeypatch):
    monkeypatch.setattr(s3, "PART_BYTES", SMALL_PART)
    settings.ARCHIVE_FILE_MAX_BYTES = 6 * MiB
    with pytest.raises(ArchiveError):
        deposit(service, {"grande.txt": b"x" * (8 * MiB)})

    assert keys(settings) == [] and uploads_in_progress(settings) == []


def test_a_download_is_refused_when_the_object_changed(service, settings):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()
    tampered = bytearray(data)
    tampered[100] ^= 0x01
    client(settings).put_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key=blob_key(service, data), Body=bytes(tampered))

    with pytest.raises(ArchiveError, match="non corrisponde più alla sua impronta"):
        document_download(service=service, public_id=document.public_id)


def test_a_download_says_so_when_the_object_is_missing(service, settings):
    data = files.pdf()
    document = deposit(service, {"verbale.pdf": data}).documents.get()
    client(settings).delete_object(Bucket=settings.ARCHIVE_S3_BUCKET, Key=blob_key(service, data))

    with pytest.raises(ArchiveError, match="non è disponibile"):
        document_download(service=service, public_id=document.public_id)


def test_the_orphan_command_lists_then_removes_a_blob_left_by_a_crash(service, settings, monkeypatch):
    name_them = services._promote_all

    def crash(*args):
        name_them(*args)
        raise OSError("the machine stopped here")

    monkeypatch.setattr(services, "_promote_all", crash)
    data = files.pdf()
    with pytest.raises(OSError):
        deposit(service, {"verbale.pdf": data})
    name = blob_name(service.public_id, hashlib.sha256(data).hexdigest())

    assert not Document.objects.exists() and Service.objects.get(pk=service.pk).used_bytes == 0
    assert orphans() == f"orphan blob {name} ({len(data)} bytes)\n1 orphan files, 0 removed.\n"
    assert orphans("--delete").endswith("1 orphan files, 1 removed.\n")
    assert keys(settings) == []


def test_the_orphan_command_never_removes_a_kept_document(service, settings):
    data = files.pdf()
    deposit(service, {"verbale.pdf": data})

    assert orphans("--delete") == "0 orphan files, 0 removed.\n"
    assert keys(settings) == [blob_key(service, data)]


def test_a_staged_object_left_behind_is_an_orphan_only_once_old(settings):
    staging = blob_storage().stage()
    staging.write(b"mezzo file")
    staged = staging.finish()  # its deposit died before naming it

    assert orphans("--delete") == "0 orphan files, 0 removed.\n"
    settings.ARCHIVE_STAGING_MAX_AGE_HOURS = 0
    assert orphans("--delete") == f"abandoned upload {staged} (10 bytes)\n1 orphan files, 1 removed.\n"
    assert keys(settings) == []


def test_an_upload_cut_off_half_way_is_found_and_aborted(settings):
    """(moto says every multipart upload began in 2010, so its age is not tested here.)"""
    storage = s3.S3BlobStorage(part_bytes=SMALL_PART)
    cut_off = storage.stage()
    cut_off.write(b"x" * (6 * MiB))  # one part sent, then the process died

    (listed, summary) = orphans("--delete").splitlines()

    assert listed.startswith("abandoned upload ") and listed.endswith(f".part ({SMALL_PART} bytes)")
    assert summary == "1 orphan files, 1 removed."
    assert uploads_in_progress(settings) == []
