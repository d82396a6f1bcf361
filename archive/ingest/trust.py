"""What signatures are weighed against at deposit. Until the trusted lists are read (the EU list of
trusted lists and the national ones, `manage.py trust_lists_refresh`, a later step of issue 22), no
authority is trusted: an intact signature is kept as INDETERMINATA with a warning, never refused."""

from archive.ingest.signatures import NO_TRUST, Trust


def trust_in_force() -> Trust:
    return NO_TRUST
