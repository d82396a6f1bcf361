"""A ZIP's list of entries is judged by its end record before zipfile reads the list: a million
empty entries are refused at once, in words, without the list in memory (the attacker's 88 MB ZIP
took 8.9 s and grew a worker by 540 MB)."""

import resource
import struct
import sys
import zlib
from pathlib import Path

import pytest
from django.core.files import File

from archive.errors import ArchiveError
from archive.models import Deposit, Document
from archive.services import deposit_submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(sys.platform != "linux", reason="resets the peak through /proc/self/clear_refs"),
]
MB = 1024 * 1024
EMPTY_CRC = zlib.crc32(b"")


def many_empty_entries(path: Path, count: int, *, declared: int | None = None) -> None:
    """A real ZIP of `count` empty stored entries, written as zipfile would, a record at a time;
    its end record declares `declared` entries (the true count unless told)."""
    directory = bytearray()
    with path.open("wb") as file:
        for number in range(count):
            name = b"%07d" % number
            offset = file.tell()
            file.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, EMPTY_CRC, 0, 0, len(name), 0) + name)
            directory += (
                struct.pack(
                    "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, EMPTY_CRC, 0, 0, len(name), 0, 0, 0, 0, 0, offset
                )
                + name
            )
        start = file.tell()
        file.write(directory)
        total = min(declared if declared is not None else count, 0xFFFF)
        file.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, total, total, len(directory), start, 0))


def deposit_zip(service, path: Path):
    with path.open("rb") as opened:
        return deposit_submit(
            service_id=service.pk,
            document_class_code="documento-generico",
            files=[File(opened, name="lotto.zip")],
            actor=service.customer.user,
        )


def peak_rss_growth(action) -> int:
    Path("/proc/self/clear_refs").write_text("5")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    action()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before


def test_a_million_entries_are_refused_without_reading_their_list(service, tmp_path):
    bomb = tmp_path / "lotto.zip"
    many_empty_entries(bomb, 1_000_000)
    assert bomb.stat().st_size > 80 * MB

    def refused():
        with pytest.raises(ArchiveError) as caught:
            deposit_zip(service, bomb)
        assert "al massimo 10000 file" in str(caught.value)

    growth = peak_rss_growth(refused)

    assert growth < 16 * MB, f"the worker grew by {growth / MB:.0f} MB"
    assert not Document.objects.exists()
    assert Deposit.objects.get().status == Deposit.Status.REJECTED


def test_a_list_longer_than_its_end_record_declares_is_refused_too(service, tmp_path, settings):
    """zipfile reads the directory by its size, whatever the count says: the size is bounded too."""
    settings.ARCHIVE_PACKAGE_MAX_FILES = 100
    liar = tmp_path / "lotto.zip"
    many_empty_entries(liar, 5_000, declared=3)

    with pytest.raises(ArchiveError) as caught:
        deposit_zip(service, liar)

    assert "al massimo 100 file" in str(caught.value)
