"""A 1 GB document is streamed in: hashed while it is written, never held in memory.

The peak is measured around the deposit alone. ru_maxrss is the process's high-water mark, so an
earlier test's peak would hide the deposit's; on Linux writing "5" to /proc/self/clear_refs brings
the mark down to the current resident size, so that after the deposit it is the deposit's own peak.
tracemalloc watches Python's allocations besides (a bytes object kept by mistake shows there first);
RSS also catches what C code (libmagic, hashlib, the file objects) holds.
"""

import hashlib
import random
import resource
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.core.files import File

from archive.ingest.identify import identify
from archive.models import Document
from archive.services import deposit_submit
from archive.storage import blob_name
from tests.archive import files
from tests.archive.conftest import generic

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="resets the peak through /proc/self/clear_refs")

MB = 1024 * 1024
PAYLOAD_BYTES = 1024 * MB
PEAK_GROWTH_LIMIT = 64 * MB


def big_pdf(path: Path) -> str:
    """Writes a one-page PDF whose page's content is one 1 GB stream, 1 MB at a time, with its
    cross-reference table (every check at deposit opens it as a PDF); gives its SHA-256."""
    block = random.Random(9).randbytes(MB)
    digest = hashlib.sha256()
    offsets = []
    written = 0
    with path.open("wb") as file:

        def write(data: bytes) -> None:
            nonlocal written
            digest.update(data)
            file.write(data)
            written += len(data)

        write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        for number, body in enumerate(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            ],
            start=1,
        ):
            offsets.append(written)
            write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        offsets.append(written)
        write(b"4 0 obj\n<< /Length " + str(PAYLOAD_BYTES).encode() + b" >>\nstream\n")
        for _ in range(PAYLOAD_BYTES // MB):
            write(block)
        write(b"\nendstream\nendobj\n")
        table = written
        write(b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
        write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % table)
    return digest.hexdigest()


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def test_it_streams_a_1_gb_file_with_little_memory(service, settings, tmp_path):
    source = tmp_path / "registro-2025.pdf"
    expected_sha256 = big_pdf(source)

    # siegfried loads its signatures once per process (about 80 MB): a worker's baseline, not the deposit's.
    small = tmp_path / "piccolo.pdf"
    small.write_bytes(files.pdf())
    identify(small, small.name)
    with source.open("rb") as opened:
        upload = File(opened, name=source.name)
        tracemalloc.start()
        reset_peak_rss()
        before = peak_rss_bytes()
        deposit = deposit_submit(
            service_id=service.pk,
            document_class_code="documento-generico",
            files=[upload],
            metadata={source.name: generic()},
            actor=service.customer.user,
        )
        rss_growth = peak_rss_bytes() - before
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    assert rss_growth < PEAK_GROWTH_LIMIT, f"peak RSS grew by {rss_growth / MB:.0f} MB"
    assert python_peak < PEAK_GROWTH_LIMIT, f"Python allocated up to {python_peak / MB:.0f} MB"
    document = Document.objects.get(deposit=deposit)
    assert (document.sha256, document.size, document.format) == (expected_sha256, source.stat().st_size, "PDF")
    stored = settings.ARCHIVE_STORAGE_ROOT / "blobs" / blob_name(service.public_id, expected_sha256)
    assert _sha256_of(stored) == expected_sha256


def _sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
