from django.core.management.base import BaseCommand

from archive.orphans import orphan_blobs, orphan_remove, stale_staged_files
from archive.storage import blob_storage
from audit.actors import SystemActor

ACTOR = SystemActor("sistema: pulizia dei file orfani dell'archivio")


class Command(BaseCommand):
    help = (
        "Lists the archive's files that no document points at (left by a crash during a deposit) and "
        "uploads abandoned half-way; with --delete, removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the orphan files listed")

    def handle(self, *args, delete=False, **options):
        storage = blob_storage()
        found = removed = 0
        for blob in list(orphan_blobs(storage)):
            found += 1
            self.stdout.write(f"orphan blob {blob.name} ({blob.size} bytes)")
            removed += delete and orphan_remove(storage, blob, actor=ACTOR)
        for staged in list(stale_staged_files(storage)):
            found += 1
            self.stdout.write(f"abandoned upload {staged.name} ({staged.size} bytes)")
            if delete:
                storage.discard(staged.name)
                removed += 1
        self.stdout.write(f"{found} orphan files, {removed} removed.")
