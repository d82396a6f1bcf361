from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.trust_lists import trust_lists_refresh


class Command(BaseCommand):
    help = (
        "Reads the EU's list of trusted lists and the national lists it points at, verifies their signatures "
        "and keeps each new one as a dated snapshot, against which signatures are then weighed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lotl", help="path or https URL of the EU's list (default: ARCHIVE_TRUST_LOTL_URL)")
        parser.add_argument(
            "--pinned", help="PEM file of the certificates that may sign it (default: ARCHIVE_TRUST_LOTL_CERTIFICATES)"
        )
        parser.add_argument(
            "--territory",
            action="append",
            help="a national list to follow, e.g. IT; repeatable (default: ARCHIVE_TRUST_TERRITORIES)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lotl = options["lotl"] or settings.ARCHIVE_TRUST_LOTL_URL
        pinned = options["pinned"] or settings.ARCHIVE_TRUST_LOTL_CERTIFICATES
        if not (lotl and pinned):
            raise CommandError(
                "The trusted lists are not configured: give --lotl and --pinned, or set "
                "CONSERVA_ARCHIVE_TRUST_LOTL_URL and CONSERVA_ARCHIVE_TRUST_LOTL_CERTIFICATES."
            )
        refreshed = trust_lists_refresh(
            lotl_source=lotl,
            pinned_certificates=_certificates(pinned),
            territories=options["territory"] or settings.ARCHIVE_TRUST_TERRITORIES or None,
        )
        for snapshot in refreshed.stored:
            self.stdout.write(f"stored {snapshot.get_kind_display()} {snapshot} from {snapshot.source}")
        for refused in refreshed.refused:
            self.stderr.write(f"refused {refused.source}: {refused.reason}")
        self.stdout.write(f"{len(refreshed.stored)} new lists stored, {len(refreshed.refused)} refused.")
        if refreshed.refused:
            raise CommandError(f"{len(refreshed.refused)} trusted lists refused.")


def _certificates(path: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise CommandError(f"The certificates pinned for the EU's list cannot be read from {path}: {error}") from None
