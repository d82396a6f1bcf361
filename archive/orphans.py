"""Files the archive holds that no document points at: what a crash between writing a file and
committing its deposit leaves behind. Found by `manage.py archive_orphans`, removed with --delete.

A blob is judged under its service's row lock, the lock a deposit holds while it gives files their
names and commits: a deposit in flight cannot have its file taken from under it. A staged file is
an orphan only once older than ARCHIVE_STAGING_MAX_AGE_HOURS (an upload may still be streaming).
"""

import datetime
import time
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction

from archive.models import Document
from archive.storage import BlobStorage, StoredFile, parse_blob_name
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from subscriptions.models import Service


def orphan_blobs(storage: BlobStorage) -> Iterator[StoredFile]:
    """Blobs with no document, judged without locks: a list to look at, not to act on."""
    by_service: defaultdict[str, list[tuple[StoredFile, str]]] = defaultdict(list)
    for blob in storage.blobs():
        parsed = parse_blob_name(blob.name)
        if parsed is None:
            yield blob
        else:
            by_service[str(parsed[0])].append((blob, parsed[1]))
    for service_id, blobs in by_service.items():
        kept = set(
            Document.objects.filter(
                service__public_id=service_id, sha256__in=[sha256 for _blob, sha256 in blobs]
            ).values_list("sha256", flat=True)
        )
        yield from (blob for blob, sha256 in blobs if sha256 not in kept)


def stale_staged_files(storage: BlobStorage, now: float | None = None) -> Iterator[StoredFile]:
    cutoff = (now or time.time()) - datetime.timedelta(hours=settings.ARCHIVE_STAGING_MAX_AGE_HOURS).total_seconds()
    return (staged for staged in storage.staged_files() if staged.modified < cutoff)


@transaction.atomic
def orphan_remove(storage: BlobStorage, blob: StoredFile, *, actor: Actor) -> bool:
    """Removes a blob if, under its service's lock, no document points at it; False otherwise."""
    parsed = parse_blob_name(blob.name)
    service = None
    if parsed is not None:
        service = Service.objects.select_for_update().filter(public_id=parsed[0]).first()
        if service is not None and Document.objects.filter(service=service, sha256=parsed[1]).exists():
            return False
    storage.delete(blob.name)
    if service is not None:
        trail.record(service, AuditEntry.Action.ORPHAN_FILE_REMOVED, actor=actor, file=blob.name, size_bytes=blob.size)
    return True
