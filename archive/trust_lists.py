"""The trusted lists, kept and put in force. `trust_lists_refresh` (manage.py trust_lists_refresh) reads
the EU's list of trusted lists and the national lists it points at, each verified (archive/ingest/tsl.py),
and keeps each new one as a dated snapshot. `trust_in_force` is what signatures are weighed against at
deposit (archive/ingest/signatures.py's Trust): the CAs the lists name as issuing qualified certificates
are the trust roots, and whether one issued them at a moment is read from the list in force then.

A CA stays a root after its status is withdrawn: a signature made while it was granted stays valid, and
one made after is still made with a certificate of a CA once supervised, only no longer a qualified one.
pyhanko-certvalidator decides whether the chain holds (validity, revocation); `qualified` says the status.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import logging
import urllib.request
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from archive.ingest import tsl
from archive.ingest.signatures import NO_TRUST, Trust
from archive.ingest.tsl import TrustedListError
from archive.models import TrustedListSnapshot

Kind = TrustedListSnapshot.Kind
TIMEOUT_SECONDS = 60
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused:
    source: str
    reason: str


@dataclass(frozen=True)
class Refreshed:
    stored: list[TrustedListSnapshot] = field(default_factory=list)  # lists not kept before
    refused: list[Refused] = field(default_factory=list)


def trust_lists_refresh(
    *, lotl_source: str, pinned_certificates: Sequence[x509.Certificate], territories: Collection[str] | None = None
) -> Refreshed:
    """Reads the LOTL at `lotl_source` (a path or an https URL), signed with one of `pinned_certificates`,
    then the national list of each of `territories` (all, if None), signed with a certificate its
    pointer names. A list refused is reported and skipped; the others are still kept."""
    refreshed = Refreshed()
    lotl = _kept(refreshed, Kind.LOTL, lotl_source, pinned_certificates)
    if lotl is None:
        return refreshed
    wanted = {territory.upper() for territory in territories} if territories is not None else None
    pointers = [
        pointer
        for pointer in lotl.pointers
        if pointer.territory != lotl.territory and (wanted is None or pointer.territory in wanted)
    ]
    for missing in sorted((wanted or set()) - {pointer.territory for pointer in pointers}):
        refreshed.refused.append(Refused(missing, "the list of trusted lists points at no XML list of this territory"))
    for pointer in pointers:
        signers = [x509.load_der_x509_certificate(der) for der in pointer.certificates]
        _kept(refreshed, Kind.NATIONAL, pointer.location, signers, territory=pointer.territory)
    return refreshed


def _kept(
    refreshed: Refreshed,
    kind: str,
    source: str,
    signers: Sequence[x509.Certificate],
    *,
    territory: str | None = None,
) -> tsl.TrustedList | None:
    """Reads, verifies and keeps one list (once: the same bytes again add nothing), noting in `refreshed`
    what became of it."""
    try:
        data = _read(source)
        listed, signer = tsl.read_signed(data, signers=signers)
        if territory and listed.territory != territory:
            raise TrustedListError(f"it is the list of {listed.territory}, not of {territory}")
        xml = data.decode()
    except (TrustedListError, UnicodeDecodeError) as error:
        refreshed.refused.append(Refused(source, str(error)))
        return None
    snapshot, created = TrustedListSnapshot.objects.get_or_create(
        sha256=hashlib.sha256(data).hexdigest(),
        defaults={
            "territory": listed.territory,
            "kind": kind,
            "source": source,
            "sequence_number": listed.sequence_number,
            "issued_at": listed.issued_at,
            "next_update": listed.next_update,
            "xml": xml,
            "signer": signer.subject.rfc4514_string()[:1000],
        },
    )
    if created:
        refreshed.stored.append(snapshot)
    return listed


def _read(source: str) -> bytes:
    """The bytes at `source`, a path or an https URL; nothing else is fetched."""
    try:
        if source.startswith("https://"):  # the one scheme opened, so no file:// nor ftp://
            with urllib.request.urlopen(source, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
                data: bytes = response.read(tsl.MAX_BYTES + 1)
        elif "://" in source:
            raise TrustedListError("only https:// addresses and paths are read")
        else:
            with open(source, "rb") as file:
                data = file.read(tsl.MAX_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:  # urllib's errors are OSErrors
        raise TrustedListError(f"it cannot be read: {error}") from None
    if len(data) > tsl.MAX_BYTES:
        raise TrustedListError(f"it is larger than {tsl.MAX_BYTES} bytes")
    return data


@dataclass(frozen=True)
class Listing:
    """What one national list says of the CAs that issue qualified certificates."""

    territory: str
    issued_at: datetime.datetime
    services: Mapping[bytes, tuple[tsl.Service, ...]]  # by the identity of their certificates
    certificates: tuple[bytes, ...]


@dataclass(frozen=True)
class ListedTrust:
    """The trust the stored national lists put in force."""

    roots: tuple[bytes, ...]
    listings: tuple[Listing, ...]  # oldest first

    def qualified(self, issuer: bytes, moment: datetime.datetime) -> bool | None:
        """Whether the list in force at `moment` had the CA of `issuer` granted then; False for a CA some
        list names that was not granted at `moment`; None for a CA no list names."""
        try:
            ca = _identity(issuer)
        except ValueError:
            return None
        services = [service for listing in self._in_force(moment) for service in listing.services.get(ca, ())]
        if services:
            return any(service.qualified_at(moment) for service in services)
        return False if any(ca in listing.services for listing in self.listings) else None

    def _in_force(self, moment: datetime.datetime) -> Iterable[Listing]:
        """Each territory's newest list issued by `moment`; its oldest, when all came later."""
        in_force: dict[str, Listing] = {}
        for listing in self.listings:
            if listing.territory not in in_force or listing.issued_at <= moment:
                in_force[listing.territory] = listing
        return in_force.values()


# The trust built from the snapshots up to the newest one, by its (id, sha256); and each national list
# read, by its sha256 (a snapshot never changes), so that a new snapshot is the only one read again.
_built: dict[tuple[int, str], Trust] = {}
_listings: dict[str, Listing] = {}


def trust_in_force() -> Trust:
    """The trust of the stored trusted lists; NO_TRUST when none is stored. One query, unless a list
    was stored since the last call in this process."""
    newest = TrustedListSnapshot.objects.order_by("-pk").values_list("pk", "sha256").first()
    if newest is None:
        return NO_TRUST
    trust = _built.get(newest)
    if trust is None:
        trust = _listed_trust()
        _built.clear()
        _built[newest] = trust
    return trust


def _listed_trust() -> ListedTrust:
    listings = []
    for snapshot in TrustedListSnapshot.objects.filter(kind=Kind.NATIONAL).defer("xml").order_by("issued_at", "pk"):
        listing = _listings.get(snapshot.sha256) or _listing_of(snapshot)
        if listing is not None:
            listings.append(_listings.setdefault(snapshot.sha256, listing))
    roots = dict.fromkeys(certificate for listing in listings for certificate in listing.certificates)
    return ListedTrust(tuple(roots), tuple(listings))


def _listing_of(snapshot: TrustedListSnapshot) -> Listing | None:
    try:
        listed = tsl.read(snapshot.xml.encode())
    except TrustedListError:
        # It was read when it was stored: only a change of this code can break it, and one list must
        # not stop every deposit.
        logger.exception("trusted list snapshot %s cannot be read again", snapshot.pk)
        return None
    services: dict[bytes, tuple[tsl.Service, ...]] = {}
    for service in listed.services:
        if service.ever_qualified_ca:
            for certificate in service.certificates:
                ca = _identity(certificate)
                services[ca] = (*services.get(ca, ()), service)
    certificates = tuple(
        certificate for service in listed.services if service.ever_qualified_ca for certificate in service.certificates
    )
    return Listing(snapshot.territory, snapshot.issued_at, services, certificates)


def _identity(certificate: bytes) -> bytes:
    """A CA is its subject and key, whichever of its certificates shows them (ETSI TS 119 615)."""
    loaded = x509.load_der_x509_certificate(certificate)
    return loaded.subject.public_bytes() + loaded.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
