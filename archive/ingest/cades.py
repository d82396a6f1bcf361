"""CAdES: a CMS SignedData, DER or base64-encoded, holding its document (.p7m) or signing one beside
it (.p7s). Every signer of every envelope is verified, an envelope inside another (.p7m.p7m)
included, and the innermost document is returned.

Some Italian signing tools sign their signed attributes in the order they wrote them, or write them
in another order than they signed, where CMS wants both in DER order: a verifier that re-encodes
them fails. The attributes are checked as stored and, failing that, re-encoded; a signature that is
intact only in the order DER does not give is kept with a warning.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from asn1crypto import cms, core
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from pyhanko.sign.validation.generic_cms import collect_timing_info, validate_sig_integrity
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from archive.ingest import findings, signatures
from archive.ingest.findings import Finding
from archive.ingest.signatures import Examined, Integrity, SignatureReport, TimeStamp, Timing, Trust

NESTED_SIGNATURES = 3  # a .p7m.p7m is signed twice; deeper is no document
DER_SEQUENCE = b"\x30"
# What verifying a signature raises, besides a wrong signature, on input the libraries cannot take.
VERIFY_ERRORS = (*signatures.PARSE_ERRORS, AttributeError, UnsupportedAlgorithm)

SIGNING_CERTIFICATE = {"1.2.840.113549.1.9.16.2.12", "1.2.840.113549.1.9.16.2.47"}
SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14"
# id-aa-ets-certValues, -revocationValues, -escTimeStamp, -certCRLTimestamp: CAdES-X-L, long-term data.
LONG_TERM = {"1.2.840.113549.1.9.16.2.23", "1.2.840.113549.1.9.16.2.24", "1.2.840.113549.1.9.16.2.25"}
# id-aa-ets-archiveTimestamp (v1, v2) and v3.
ARCHIVE_TIME_STAMPS = {"1.2.840.113549.1.9.16.2.27", "1.2.840.113549.1.9.16.2.48", "0.4.0.1733.2.4"}


@dataclass(frozen=True)
class Opened:
    content: bytes  # the innermost signed document; b"" when an error keeps it from being read
    signatures: tuple[SignatureReport, ...]
    findings: tuple[Finding, ...]


@functools.cache
def _versions() -> dict[str, str]:
    return {name: version(name) for name in ("pyhanko", "pyhanko-certvalidator")}  # 0.6 ms: once a process


def tools() -> dict[str, str]:
    """What verifies CAdES and PAdES signatures, with its version, for the preservation record."""
    return dict(_versions())


def open_cades(data: bytes, *, trust: Trust, detached_content: bytes | None = None) -> Opened:
    """Opens `data` and its nested envelopes and verifies every signature. A detached signature
    (.p7s) is verified against `detached_content`, the document it signs."""
    try:
        return signatures.run_sync(_opened(data, trust, detached_content))
    except VERIFY_ERRORS:
        # A part of the envelope that is parsed only when read, and is broken, outside any signer.
        return Opened(b"", (), (findings.error(signatures.UNREADABLE),))


async def _opened(data: bytes, trust: Trust, detached_content: bytes | None) -> Opened:
    signed = signed_data(data if data[:1] == DER_SEQUENCE else _base64(data))
    if signed is None:
        return Opened(b"", (), (findings.error(signatures.UNREADABLE),))
    reports: tuple[SignatureReport, ...] = ()
    found: tuple[Finding, ...] = ()
    for depth in range(NESTED_SIGNATURES):
        layer = await _layer(signed, depth, trust, detached_content if depth == 0 else None)
        reports, found = reports + layer.signatures, found + layer.findings
        inner = signed_data(layer.content) if layer.content[:1] == DER_SEQUENCE else None
        if inner is None:
            return Opened(layer.content, reports, found)
        signed = inner
    return Opened(b"", reports, (*found, findings.error(signatures.TOO_DEEP)))


def signed_data(der: bytes) -> Any:
    """The SignedData that `der` holds, or None."""
    try:
        envelope = cms.ContentInfo.load(der, strict=True)
        if envelope["content_type"].native != "signed_data":
            return None
        signed = envelope["content"]
        # Parsed now, so that a broken one is an unreadable envelope rather than a broken signer.
        if signed["encap_content_info"]["content_type"].native is None or signed["signer_infos"] is None:
            return None
        return signed
    except signatures.PARSE_ERRORS:
        return None


def _base64(data: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return b""


async def _layer(signed: Any, depth: int, trust: Trust, detached_content: bytes | None) -> Opened:
    """One envelope: its content and its signers' reports."""
    content = _content(signed, detached_content)
    if content is None:
        return Opened(b"", (), (findings.error(signatures.DETACHED_WITHOUT_CONTENT),))
    if not content:
        return Opened(b"", (), (findings.error(signatures.NO_CONTENT),))
    if not len(signed["signer_infos"]):
        return Opened(b"", (), (findings.error(signatures.MISSING),))
    digest = _digester(content)
    reports: list[SignatureReport] = []
    found: list[Finding] = []
    for signer_info in signed["signer_infos"]:
        report, judged = await verify(signed, signer_info, digest=digest, kind="CAdES", depth=depth, trust=trust)
        reports += [report] if report else []
        found += judged
    return Opened(content, tuple(reports), tuple(found))


def _content(signed: Any, detached_content: bytes | None) -> bytes | None:
    try:
        encapsulated = signed["encap_content_info"]["content"]
        return detached_content if encapsulated is core.VOID else bytes(encapsulated)
    except signatures.PARSE_ERRORS:
        return b""


def _digester(content: bytes) -> Callable[[str], bytes]:
    @functools.cache
    def digest(algorithm: str) -> bytes:
        hashed = hashes.Hash(get_pyca_cryptography_hash(algorithm))
        hashed.update(content)
        return hashed.finalize()

    return digest


async def verify(
    signed: Any, signer_info: Any, *, digest: Callable[[str], bytes], kind: str, depth: int, trust: Trust
) -> tuple[SignatureReport | None, list[Finding]]:
    """One SignerInfo of `signed`, its content's digest given by `digest` (by algorithm name).
    Shared by PAdES, whose signature is a CMS SignedData too."""
    try:
        examined = await examine(signed, signer_info, digest=digest, kind=kind, depth=depth, trust=trust)
        if examined is None:
            return None, [findings.error(signatures.NO_CERTIFICATE)]
        return await signatures.judge(examined, trust)
    except VERIFY_ERRORS:
        # asn1crypto parses a field when it is first read: a broken one surfaces anywhere here.
        return None, [findings.error(signatures.MALFORMED)]


async def examine(
    signed: Any, signer_info: Any, *, digest: Callable[[str], bytes], kind: str, depth: int, trust: Trust
) -> Examined | None:
    """What the bytes of one SignerInfo say; None when the envelope lacks the signer's certificate.
    Raises VERIFY_ERRORS on a field too broken to read."""
    certificates = [choice.chosen.untag() for choice in _items(signed["certificates"]) if choice.name == "certificate"]
    signer = _signer_certificate(signer_info["sid"], certificates)
    if signer is None:
        return None
    try:
        digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
        signature_algorithm = signer_info["signature_algorithm"]["algorithm"].native
        content_type = signed["encap_content_info"]["content_type"].native
        integrity = _integrity(signer_info, signer, content_type, digest(digest_algorithm))
        level = _level(signer_info)
    except VERIFY_ERRORS:
        return Examined(kind, depth, signer, Integrity.UNVERIFIABLE, "", "", "")
    crls, ocsps = _revocation_data(signed)
    return Examined(
        kind,
        depth,
        signer,
        integrity,
        digest_algorithm,
        signature_algorithm,
        level,
        timing=await _timing(signer_info, digest, certificates, trust),
        other_certs=tuple(certificates),
        crls=crls,
        ocsps=ocsps,
    )


def _integrity(signer_info: Any, signer: Any, content_type: str, digest: bytes) -> Integrity:
    intact, valid = validate_sig_integrity(signer_info, signer, content_type, digest)
    if not intact:
        return Integrity.ALTERED
    if valid:
        return Integrity.INTACT if _stored_in_der_order(signer_info) else Integrity.REENCODED
    if any(_verifies(signer_info, signer, encoding) for encoding in _reencodings(signer_info)):
        return Integrity.REENCODED
    return Integrity.ALTERED


def _stored_in_der_order(signer_info: Any) -> bool:
    if signer_info["signed_attrs"] is core.VOID:
        return True
    stored: bytes = signer_info["signed_attrs"].untag().dump()
    return stored == _sorted(stored)


def _reencodings(signer_info: Any) -> set[bytes]:
    """The signed attributes as a SET OF in DER order, each kept as stored, and wholly in DER."""
    if signer_info["signed_attrs"] is core.VOID:
        return set()
    stored = signer_info["signed_attrs"].untag().dump()
    return {_sorted(stored), cms.CMSAttributes.load(stored).dump(force=True)} - {stored}


def _sorted(attributes: bytes) -> bytes:
    # A new SET OF made of the parsed children encodes them sorted, each child's bytes untouched.
    return bytes(cms.CMSAttributes(list(cms.CMSAttributes.load(attributes))).dump())


def _verifies(signer_info: Any, signer: Any, signed_attributes: bytes) -> bool:
    try:
        DefaultSignatureValidator().validate_signature(
            signer_info["signature"].native,
            signed_attributes,
            signer.public_key,
            signer_info["signature_algorithm"],
            context=SignatureValidationContext(
                contextual_md_algorithm=signer_info["digest_algorithm"]["algorithm"].native
            ),
        )
    except InvalidSignature:
        return False
    return True


def _level(signer_info: Any) -> str:
    signed = {attribute["type"].dotted for attribute in _items(signer_info["signed_attrs"])}
    unsigned = {attribute["type"].dotted for attribute in _items(signer_info["unsigned_attrs"])}
    if not signed & SIGNING_CERTIFICATE:
        return ""
    if unsigned & ARCHIVE_TIME_STAMPS:
        return "LTA"
    if unsigned & LONG_TERM:
        return "LT"
    if SIGNATURE_TIME_STAMP in unsigned:
        return "T"
    return "BES"


async def _timing(signer_info: Any, digest: Callable[[str], bytes], certificates: list[Any], trust: Trust) -> Timing:
    """The declared signing time and the signature time-stamp, its TSA weighed against `trust`
    with whatever revocation data is at hand: the TSA's trust only decides the moment at which the
    signer's certificate is checked."""
    context = ValidationContext(
        trust_roots=signatures.trust_roots(trust), other_certs=certificates, allow_fetching=False
    )
    try:
        timing = await collect_timing_info(signer_info, context, raw_digest=digest)
    except VERIFY_ERRORS:
        return Timing(_declared_time(signer_info), None, timestamp_invalid=True)
    stamp = timing.get("timestamp_validity")
    usable = stamp is not None and stamp.intact and stamp.valid
    return Timing(
        timing.get("signer_reported_dt"),
        TimeStamp(stamp.timestamp, stamp.trusted) if usable else None,
        timestamp_invalid=stamp is not None and not usable,
    )


def _declared_time(signer_info: Any) -> Any:
    for attribute in _items(signer_info["signed_attrs"]):
        if attribute["type"].native == "signing_time":
            return attribute["values"][0].native
    return None


def _revocation_data(signed: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    choices = list(_items(signed["crls"]))
    crls = tuple(choice.chosen for choice in choices if choice.name == "crl")
    others = [choice.chosen for choice in choices if choice.name == "other"]
    ocsps = tuple(
        other["other_rev_info"] for other in others if other["other_rev_info_format"].native == "ocsp_response"
    )
    return crls, ocsps


def _signer_certificate(sid: Any, certificates: list[Any]) -> Any:
    if sid.name == "issuer_and_serial_number":
        wanted = sid.chosen
        serial = wanted["serial_number"].native
        return next((c for c in certificates if c.serial_number == serial and c.issuer == wanted["issuer"]), None)
    return next((c for c in certificates if c.key_identifier == sid.chosen.native), None)


def _items(value: Any) -> Any:
    """An optional SET OF's members; none when it is absent."""
    return () if value is core.VOID or isinstance(value, core.Void) else value
