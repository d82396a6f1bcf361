"""What every signature's check shares, whatever envelope holds it (`cades`, `pades`, `xades`): the
report kept for each signature, the trust it is weighed against, its findings, and the verdict.

An envelope's module establishes what the bytes say (integrity, certificates, times, level); `judge`
then weighs the signer's certificate against the trust roots and turns both into a report and
findings. Only an integrity failure is an error; what cannot be decided at deposit (no trust path,
unknown revocation, an expired certificate without a time-stamp) is kept with a warning.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import enum
import re
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from asn1crypto import x509 as asn1_x509
from django.db import models
from django.utils.translation import gettext_lazy
from pyhanko.sign.ades.qualified_asn1 import get_qc_statements
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)

from archive.ingest import findings
from archive.ingest.findings import Finding
from lib import clock

# What asn1crypto (and the libraries built on it) raise on bytes that are not what they claim to be.
T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs pyhanko's coroutines from plain code. Where this thread already runs an event loop (an
    async caller, a browser test's driver), the coroutine gets a loop of its own in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, NotImplementedError)

UNREADABLE = "signature.unreadable"
MISSING = "signature.missing"
NO_CONTENT = "signature.no_content"
DETACHED_WITHOUT_CONTENT = "signature.detached_without_content"
TOO_DEEP = "signature.too_deep"
NO_CERTIFICATE = "signature.no_certificate"
MALFORMED = "signature.malformed"
NOT_INTACT = "signature.not_intact"
PARTIAL = "signature.partial"
UNVERIFIABLE = "signature.unverifiable"
SHA1 = "signature.sha1"
DER_REENCODED = "signature.der_reencoded"
UNTRUSTED = "signature.untrusted"
REVOCATION_UNKNOWN = "signature.revocation_unknown"
REVOKED = "signature.revoked"
EXPIRED = "signature.expired"
CHAIN_INVALID = "signature.chain_invalid"
TIMESTAMP_INVALID = "signature.timestamp_invalid"

findings.register(
    {
        UNREADABLE: gettext_lazy("La busta di firma non è leggibile: il file è danneggiato o non è firmato."),
        MISSING: gettext_lazy("La busta di firma non contiene alcuna firma."),
        NO_CONTENT: gettext_lazy("La busta di firma non contiene il documento firmato."),
        DETACHED_WITHOUT_CONTENT: gettext_lazy(
            "La firma separata (.p7s) non è verificabile: il documento che firma non è nel pacchetto."
        ),
        TOO_DEEP: gettext_lazy("Il file è firmato troppe volte, una busta dentro l'altra."),
        NO_CERTIFICATE: gettext_lazy("Una firma non include il certificato del firmatario: non è verificabile."),
        MALFORMED: gettext_lazy("Una firma è malformata: non è verificabile."),
        NOT_INTACT: gettext_lazy(
            "Firma non integra: il documento è stato modificato dopo la firma (firmatario %(signer)s)."
        ),
        PARTIAL: gettext_lazy(
            "La firma di %(signer)s non copre l'intero documento: la parte non firmata può essere stata modificata."
        ),
        UNVERIFIABLE: gettext_lazy(
            "La firma di %(signer)s non è verificabile: è malformata o usa un algoritmo sconosciuto."
        ),
        SHA1: gettext_lazy("La firma di %(signer)s usa l'algoritmo SHA-1, oggi considerato debole."),
        DER_REENCODED: gettext_lazy(
            "La firma di %(signer)s risulta integra solo ricodificando i suoi attributi firmati, "
            "un difetto noto di alcuni software di firma."
        ),
        UNTRUSTED: gettext_lazy(
            "Firma di %(signer)s: il certificato non è riconducibile a un'autorità di certificazione fidata."
        ),
        REVOCATION_UNKNOWN: gettext_lazy(
            "Firma di %(signer)s: non è stato possibile verificare che il certificato non fosse revocato."
        ),
        REVOKED: gettext_lazy("Firma di %(signer)s: il certificato risulta revocato."),
        EXPIRED: gettext_lazy(
            "Firma di %(signer)s: il certificato è scaduto e nessuna marca temporale prova quando fu apposta la firma."
        ),
        CHAIN_INVALID: gettext_lazy("Firma di %(signer)s: il certificato o la sua catena non superano la verifica."),
        TIMESTAMP_INVALID: gettext_lazy(
            "La marca temporale della firma di %(signer)s non corrisponde alla firma: non se ne tiene conto."
        ),
    }
)

# Recorded in the preservation record, so in one fixed language rather than the reader's.
REASONS = {
    NOT_INTACT: "il documento è stato modificato dopo la firma",
    PARTIAL: "la firma non copre l'intero documento",
    UNVERIFIABLE: "firma malformata o algoritmo sconosciuto",
    UNTRUSTED: "nessun percorso di fiducia verso una CA fidata",
    REVOCATION_UNKNOWN: "stato di revoca del certificato non verificabile",
    REVOKED: "certificato revocato",
    EXPIRED: "certificato scaduto senza riferimento temporale",
    CHAIN_INVALID: "certificato o catena non validi",
}

TIME_STAMP = "marca temporale"
DECLARED = "dichiarato dal firmatario"
# Italian qualified certificates carry the codice fiscale in the subject, as "TINIT-<cf>" (ETSI EN
# 319 412-1) or, in older ones, "IT:<cf>"; letters may replace digits (omocodia).
TAX_CODE = re.compile(
    r"(?:TINIT-|IT:)?([A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z])"
)
WEAK_DIGESTS = {"md2", "md5"}


class Outcome(models.TextChoices):
    VALID = "VALIDA", gettext_lazy("valida")
    INDETERMINATE = "INDETERMINATA", gettext_lazy("indeterminata")
    NOT_INTACT = "NON_INTEGRA", gettext_lazy("non integra")


@dataclass(frozen=True)
class SignatureReport:
    """One signature; nested ones included, `depth` 0 being the outermost envelope."""

    kind: str  # "CAdES" | "PAdES" | "XAdES"
    depth: int
    signer_name: str
    signer_tax_code: str
    issuer: str
    signing_time: datetime.datetime | None
    signing_time_source: str  # TIME_STAMP | DECLARED | ""
    digest_algorithm: str
    signature_algorithm: str
    level: str  # "BES" | "T" | "LT" | "LTA"; "" when not an AdES (no signing-certificate attribute)
    qualified: bool | None
    outcome: Outcome
    reason: str  # why INDETERMINATA or NON_INTEGRA, in Italian; "" when VALIDA

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "depth": self.depth,
            "signer_name": self.signer_name,
            "signer_tax_code": self.signer_tax_code,
            "issuer": self.issuer,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "signing_time_source": self.signing_time_source,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "level": self.level,
            "qualified": self.qualified,
            "outcome": str(self.outcome),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignatureReport:
        signing_time = data["signing_time"]
        qualified = data["qualified"]
        return cls(
            kind=str(data["kind"]),
            depth=int(data["depth"]),
            signer_name=str(data["signer_name"]),
            signer_tax_code=str(data["signer_tax_code"]),
            issuer=str(data["issuer"]),
            signing_time=datetime.datetime.fromisoformat(signing_time) if signing_time else None,
            signing_time_source=str(data["signing_time_source"]),
            digest_algorithm=str(data["digest_algorithm"]),
            signature_algorithm=str(data["signature_algorithm"]),
            level=str(data["level"]),
            qualified=None if qualified is None else bool(qualified),
            outcome=Outcome(data["outcome"]),
            reason=str(data["reason"]),
        )


class Trust(Protocol):
    """What the signatures are weighed against; the trusted lists will answer both."""

    @property
    def roots(self) -> Sequence[bytes]:
        """DER certificates of the trusted certification authorities."""
        ...

    def qualified(self, issuer: bytes, moment: datetime.datetime) -> bool | None:
        """Whether the CA whose certificate is `issuer` issued qualified certificates at `moment`;
        None when not known."""
        ...


@dataclass(frozen=True)
class TrustRoots:
    """Trust roots given by hand, without a trusted list: no qualified status."""

    roots: tuple[bytes, ...] = ()

    def qualified(self, issuer: bytes, moment: datetime.datetime) -> bool | None:
        return None


NO_TRUST = TrustRoots()


class Integrity(enum.Enum):
    INTACT = "intact"
    REENCODED = "reencoded"  # intact only with the signed attributes in another encoding
    ALTERED = "altered"
    PARTIAL = "partial"  # what is signed is intact, but it is not the whole document
    UNVERIFIABLE = "unverifiable"


@dataclass(frozen=True)
class TimeStamp:
    time: datetime.datetime
    trusted: bool  # its TSA chains to a trust root: the time proves when the signature existed


@dataclass(frozen=True)
class Timing:
    declared: datetime.datetime | None = None  # the signer's own word (signingTime, a PDF's /M)
    timestamp: TimeStamp | None = None
    timestamp_invalid: bool = False  # a time-stamp is there, but not over this signature


@dataclass(frozen=True)
class Examined:
    """What an envelope's module established about one signature, before trust is weighed.
    Certificates and revocation data are asn1crypto objects, as pyhanko takes them."""

    kind: str
    depth: int
    signer: Any
    integrity: Integrity
    digest_algorithm: str
    signature_algorithm: str
    level: str
    timing: Timing = Timing()
    other_certs: tuple[Any, ...] = ()
    crls: tuple[Any, ...] = ()
    ocsps: tuple[Any, ...] = ()


async def judge(examined: Examined, trust: Trust) -> tuple[SignatureReport, list[Finding]]:
    """The report and findings of one signature: an integrity failure is an error; what keeps an
    intact signature from being valid is a warning."""
    signer = signer_name(examined.signer)
    stamp = examined.timing.timestamp
    moment = stamp.time if stamp and stamp.trusted else clock.now()
    failure = _INTEGRITY_FAILURES.get(examined.integrity)
    if failure:
        qualified = _qualified(examined, trust, None, moment)
        return _report(examined, Outcome.NOT_INTACT, failure, qualified), [findings.error(failure, signer=signer)]
    problem, issuing = await _chain_problem(examined, trust, moment)
    outcome = Outcome.INDETERMINATE if problem else Outcome.VALID
    report = _report(examined, outcome, problem, _qualified(examined, trust, issuing, moment))
    return report, _warnings(examined, problem, signer)


_INTEGRITY_FAILURES = {Integrity.ALTERED: NOT_INTACT, Integrity.PARTIAL: PARTIAL, Integrity.UNVERIFIABLE: UNVERIFIABLE}


def _warnings(examined: Examined, problem: str | None, signer: str) -> list[Finding]:
    codes = [
        problem,
        DER_REENCODED if examined.integrity == Integrity.REENCODED else None,
        SHA1 if _uses_sha1(examined) else None,
        TIMESTAMP_INVALID if examined.timing.timestamp_invalid else None,
    ]
    return [findings.warning(code, signer=signer) for code in codes if code]


def _uses_sha1(examined: Examined) -> bool:
    return any("sha1" in name for name in (examined.digest_algorithm, examined.signature_algorithm))


def _report(examined: Examined, outcome: Outcome, problem: str | None, qualified: bool | None) -> SignatureReport:
    time, source = _signing_time(examined)
    return SignatureReport(
        kind=examined.kind,
        depth=examined.depth,
        signer_name=signer_name(examined.signer),
        signer_tax_code=tax_code(examined.signer),
        issuer=_name_of(examined.signer.issuer),
        signing_time=time,
        signing_time_source=source,
        digest_algorithm=examined.digest_algorithm,
        signature_algorithm=examined.signature_algorithm,
        level=examined.level,
        qualified=qualified,
        outcome=outcome,
        reason=REASONS[problem] if problem else "",
    )


def _signing_time(examined: Examined) -> tuple[datetime.datetime | None, str]:
    if examined.timing.timestamp:
        return examined.timing.timestamp.time, TIME_STAMP
    if examined.timing.declared:
        return examined.timing.declared, DECLARED
    return None, ""


async def _chain_problem(examined: Examined, trust: Trust, moment: datetime.datetime) -> tuple[str | None, Any]:
    """The finding code of what keeps the signer's certificate from being trusted at `moment`, or
    None, with the certificate of its issuer when a path was found. Nothing is fetched: only the
    revocation data the signature carries is read."""
    context = ValidationContext(
        trust_roots=trust_roots(trust),
        other_certs=list(examined.other_certs),
        crls=list(examined.crls),
        ocsps=list(examined.ocsps),
        moment=moment,
        allow_fetching=False,
        revocation_mode="require",
        weak_hash_algos=WEAK_DIGESTS,  # a SHA-1 signature is kept with a warning, not refused
    )
    try:
        path = await CertificateValidator(examined.signer, validation_context=context).async_validate_path()
    except PathBuildingError:
        return UNTRUSTED, None
    except RevokedError:
        return REVOKED, None
    except InsufficientRevinfoError:
        return REVOCATION_UNKNOWN, None
    except ExpiredError:
        return EXPIRED, None
    except (ValidationError, InvalidCertificateError, *PARSE_ERRORS):
        return CHAIN_INVALID, None
    certificates = list(path.iter_certs(include_root=True))
    return None, certificates[-2] if len(certificates) > 1 else None


def mentions(path: Path, marker: bytes) -> bool:
    """Whether the file at `path` holds `marker`, read a chunk at a time: for a file too large, or too
    broken, to be parsed, whether it looks signed."""
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker) :]
    return False


def trust_roots(trust: Trust) -> list[Any]:
    # Never None: pyhanko would then trust the operating system's list.
    return [asn1_x509.Certificate.load(root) for root in trust.roots]


def _qualified(examined: Examined, trust: Trust, issuing: Any, moment: datetime.datetime) -> bool | None:
    listed = trust.qualified(issuing.dump(), moment) if issuing is not None else None
    if listed is not None:
        return listed
    try:
        return any(
            statement["statement_id"].native == "qc_compliance" for statement in get_qc_statements(examined.signer)
        )
    except PARSE_ERRORS:
        return None


def signer_name(certificate: Any) -> str:
    subject = _attributes(certificate.subject)
    given_and_surname = " ".join(subject.get("given_name", []) + subject.get("surname", []))
    return next(iter(subject.get("common_name", [])), given_and_surname) or _name_of(certificate.subject)


def tax_code(certificate: Any) -> str:
    subject = _attributes(certificate.subject)
    for value in subject.get("serial_number", []) + subject.get("dn_qualifier", []):
        if match := TAX_CODE.fullmatch(value.strip().upper()):
            return match.group(1)
    return ""


def _name_of(name: Any) -> str:
    attributes = _attributes(name)
    return next(iter(attributes.get("common_name", []) + attributes.get("organization_name", [])), "") or str(
        name.human_friendly
    )


def _attributes(name: Any) -> dict[str, list[str]]:
    """A distinguished name's values by attribute, in order; values that are not text are left out."""
    values: dict[str, list[str]] = {}
    for relative in name.chosen:
        for attribute in relative:
            value = attribute["value"].native
            if isinstance(value, str):
                values.setdefault(attribute["type"].native, []).append(value)
    return values
