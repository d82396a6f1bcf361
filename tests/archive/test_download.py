"""A download is the exact bytes kept, hashed again before they are handed out."""

import pytest

from archive.errors import ArchiveError
from archive.selectors import document_download
from archive.storage import blob_name
from tests.archive import files
from tests.archive.conftest import deposit

pytestmark = pytest.mark.django_db


def blob_path(settings, service, document):
    return settings.ARCHIVE_STORAGE_ROOT / "blobs" / blob_name(service.public_id, document.sha256)


def test_it_gives_back_the_exact_bytes_with_a_safe_name(service, rossi):
    invoice = files.invoice_xml(rossi)
    package = files.zipped({"2026/fatture/fattura.xml": invoice})
    kept = deposit(service, {"fatture.zip": package}, document_class="fattura-attiva", metadata={})

    download = document_download(service=service, public_id=kept.documents.get().public_id)
    with download.file:
        assert download.file.read() == invoice
    assert (download.name, download.size, download.content_type) == ("fattura.xml", len(invoice), "text/xml")


def test_it_refuses_a_file_whose_bytes_changed(service, settings):
    document = deposit(service, {"verbale.pdf": files.pdf()}).documents.get()
    path = blob_path(settings, service, document)
    path.chmod(0o600)
    tampered = bytearray(path.read_bytes())
    tampered[100] ^= 0x01  # one bit
    path.write_bytes(tampered)

    with pytest.raises(ArchiveError, match="non corrisponde più alla sua impronta"):
        document_download(service=service, public_id=document.public_id)


def test_it_says_so_when_the_file_is_missing(service, settings):
    document = deposit(service, {"verbale.pdf": files.pdf()}).documents.get()
    blob_path(settings, service, document).unlink()

    with pytest.raises(ArchiveError, match="non è disponibile"):
        document_download(service=service, public_id=document.public_id)
