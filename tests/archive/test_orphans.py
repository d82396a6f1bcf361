"""A crash half-way leaves no document, no counted byte and at most an orphan file, which
`archive_orphans` lists and, with --delete, removes."""

import hashlib
import io
import os
import time

import pytest
from django.core.management import call_command

from archive import services
from archive.models import Deposit, Document
from archive.storage import LocalBlobStorage, blob_name
from audit.models import AuditEntry
from subscriptions.models import Service
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def orphans(*arguments) -> str:
    out = io.StringIO()
    call_command("archive_orphans", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def crash_after_the_files_are_named(monkeypatch):
    """The machine stops after the files got their names, before the transaction commits."""
    name_them = services._promote_all

    def crash(*args):
        name_them(*args)
        raise OSError("the machine stopped here")

    monkeypatch.setattr(services, "_promote_all", crash)


def test_a_failure_before_the_files_are_named_leaves_no_file(service, monkeypatch):
    def fail(*args):
        raise ValueError("the receipt could not be built")

    monkeypatch.setattr(services, "render_xml", fail)
    with pytest.raises(ValueError):
        deposit(service, {"verbale.pdf": files.pdf()})

    storage = LocalBlobStorage()
    assert list(storage.blobs()) == [] and list(storage.staged_files()) == []
    assert Service.objects.get(pk=service.pk).used_bytes == 0


def test_a_failure_while_naming_the_files_takes_back_those_named(service, monkeypatch):
    storage_class = LocalBlobStorage
    promote = storage_class.promote
    calls = []

    def second_fails(self, staged, blob, size):
        calls.append(blob)
        if len(calls) == 2:
            raise OSError("disk full")
        return promote(self, staged, blob, size)

    monkeypatch.setattr(storage_class, "promote", second_fails)
    with pytest.raises(OSError):
        deposit(service, {"uno.pdf": files.pdf("uno"), "due.pdf": files.pdf("due")})

    storage = LocalBlobStorage()
    assert list(storage.blobs()) == [] and list(storage.staged_files()) == []
    assert not Document.objects.exists()


def test_a_crash_between_naming_the_files_and_committing_leaves_only_an_orphan(
    service, crash_after_the_files_are_named
):
    with pytest.raises(OSError):
        deposit(service, {"verbale.pdf": files.pdf()})

    assert not Document.objects.exists() and not Deposit.objects.exists()
    assert Service.objects.get(pk=service.pk).used_bytes == 0
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SERVICE_SPACE_USED).exists()
    storage = LocalBlobStorage()
    assert len(list(storage.blobs())) == 1 and list(storage.staged_files()) == []


def test_the_command_lists_then_removes_the_orphan(service, crash_after_the_files_are_named, monkeypatch):
    with pytest.raises(OSError):
        deposit(service, {"verbale.pdf": files.pdf()})
    (orphan,) = LocalBlobStorage().blobs()

    assert orphans() == f"orphan blob {orphan.name} ({orphan.size} bytes)\n1 orphan files, 0 removed.\n"
    assert len(list(LocalBlobStorage().blobs())) == 1

    assert orphans("--delete").endswith("1 orphan files, 1 removed.\n")
    assert list(LocalBlobStorage().blobs()) == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ORPHAN_FILE_REMOVED)
    assert entry.subject == service and entry.values() == {"file": orphan.name, "size_bytes": orphan.size}


def test_the_command_never_removes_a_kept_document(service):
    deposit(service, {"verbale.pdf": files.pdf()})

    assert orphans("--delete") == "0 orphan files, 0 removed.\n"
    assert len(list(LocalBlobStorage().blobs())) == 1


def test_an_abandoned_upload_is_an_orphan_only_once_old(service, settings):
    staging = LocalBlobStorage().stage()
    staging.write(b"mezzo file")
    staged = staging.finish()

    assert orphans("--delete") == "0 orphan files, 0 removed.\n"
    day_ago = time.time() - (settings.ARCHIVE_STAGING_MAX_AGE_HOURS + 1) * 3600
    os.utime(settings.ARCHIVE_STORAGE_ROOT / "staging" / staged, (day_ago, day_ago))
    assert orphans("--delete") == f"abandoned upload {staged} (10 bytes)\n1 orphan files, 1 removed.\n"
    assert list(LocalBlobStorage().staged_files()) == []


def test_a_refused_file_leaves_nothing_staged_even_mid_stream(service, settings):
    settings.ARCHIVE_FILE_MAX_BYTES = 1000
    with pytest.raises(services.ArchiveError):
        deposit(service, {"grande.txt": b"x" * 5000})

    assert list(LocalBlobStorage().staged_files()) == []


def test_a_damaged_orphan_under_a_hash_is_replaced_by_the_copy_just_verified(service):
    """An unreferenced file under a document's hash, with other bytes of the same size: kept, a new
    deposit would preserve damaged bytes; the verified copy takes its place."""
    data = files.pdf("Verbale")
    storage = LocalBlobStorage()
    name = blob_name(service.public_id, hashlib.sha256(data).hexdigest())
    target = storage._blobs / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"x" * len(data))

    deposit(service, {"verbale.pdf": data})
    assert target.read_bytes() == data
