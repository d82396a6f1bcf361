"""XAdES and XMLDSig: the signature an XML carries within itself (enveloped), as a signed FatturaPA
does. signxml checks its integrity; the signer's certificate is weighed as for any signature.

The signature must cover the whole document (a reference to ""): one that signs a part of it leaves
the rest open to change. A signature time-stamp (XAdES-T) is checked by pyhanko, its imprint taken
over the canonical form of the signature value.
"""

from __future__ import annotations

import base64
import datetime
import functools
from importlib.metadata import version
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.utils.translation import gettext_lazy
from lxml import etree
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from archive.ingest import cades, findings, signatures
from archive.ingest.findings import Finding
from archive.ingest.signatures import Examined, Integrity, SignatureReport, TimeStamp, Timing, Trust

UNREADABLE = "signature.xml_unreadable"
SEVERAL = "signature.xml_several"
TOO_LARGE = "signature.xml_too_large"
findings.register(
    {
        UNREADABLE: gettext_lazy("L'XML sembra firmato ma non è leggibile: non è possibile verificarne le firme."),
        SEVERAL: gettext_lazy("L'XML contiene più firme: è verificata solo la prima, di %(signer)s."),
        TOO_LARGE: gettext_lazy("L'XML firmato supera %(most)s byte, oltre i quali non possiamo verificarne la firma."),
    }
)

DS = "{http://www.w3.org/2000/09/xmldsig#}"
SIGNATURE = b"Signature"
WHOLE_DOCUMENT = {"", "#xpointer(/)"}
EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
# No entity is expanded and nothing fetched: the file is the depositor's, possibly hostile.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
XML_ERRORS = (*cades.VERIFY_ERRORS, SignXMLException, etree.LxmlError)


def tools() -> dict[str, str]:
    """What verifies XML signatures, with its version, for the preservation record."""
    return {"signxml": _signxml_version(), **cades.tools()}


@functools.cache
def _signxml_version() -> str:
    return version("signxml")


def verify_xmldsig(path: Path, *, trust: Trust) -> tuple[tuple[SignatureReport, ...], tuple[Finding, ...]]:
    """The signature of the XML at `path`; none when it is not signed."""
    most = settings.ARCHIVE_SIGNED_MAX_BYTES
    if path.stat().st_size > most:
        return (), ((findings.error(TOO_LARGE, most=most),) if signatures.mentions(path, SIGNATURE) else ())
    try:
        root = etree.parse(str(path), PARSER).getroot()
    except (etree.XMLSyntaxError, OSError):  # lxml gives bytes not in the declared encoding as an OSError
        # Whether it is well-formed is the checks' business; here, only whether it looks signed.
        return (), ((findings.error(UNREADABLE),) if signatures.mentions(path, SIGNATURE) else ())
    found = root.findall(f".//{DS}Signature")
    if not found:
        return (), ()
    report, judged = signatures.run_sync(_verified(root, found[0], trust))
    if report and len(found) > 1:
        judged.append(findings.warning(SEVERAL, signer=report.signer_name))
    return ((report,) if report else ()), tuple(judged)


async def _verified(root: Any, signature: Any, trust: Trust) -> tuple[SignatureReport | None, list[Finding]]:
    try:
        certificates = [
            x509.load_der_x509_certificate(base64.b64decode(element.text or ""))
            for element in signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
        ]
        if not certificates:
            return None, [findings.error(signatures.NO_CERTIFICATE)]
        examined = await _examined(root, signature, certificates, trust)
        return await signatures.judge(examined, trust)
    except XML_ERRORS:
        return None, [findings.error(signatures.MALFORMED)]


async def _examined(root: Any, signature: Any, certificates: list[x509.Certificate], trust: Trust) -> Examined:
    signer, integrity = _integrity(root, signature, certificates)
    signed_info = signature.find(f"{DS}SignedInfo")
    digest_method = signed_info.find(f"{DS}Reference/{DS}DigestMethod")
    as_asn1 = [asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER)) for certificate in certificates]
    return Examined(
        "XAdES",
        0,
        as_asn1[certificates.index(signer)],
        integrity,
        DigestAlgorithm(digest_method.get("Algorithm")).name.lower(),
        SignatureMethod(signed_info.find(f"{DS}SignatureMethod").get("Algorithm")).name.lower(),
        _level(signature),
        timing=await _timing(signature, as_asn1, trust),
        other_certs=tuple(as_asn1),
    )


def _integrity(root: Any, signature: Any, certificates: list[x509.Certificate]) -> tuple[x509.Certificate, Integrity]:
    """The signer among the certificates given, and whether what it signed is intact. signxml
    checks the signed info's signature first, then each reference's digest."""
    xades = signature.find(".//{*}QualifyingProperties") is not None
    for certificate in certificates:
        try:
            _verifier(xades).verify(root, x509_cert=certificate, expect_config=_expected(xades, certificate))
        except InvalidDigest:
            return certificate, Integrity.ALTERED
        except InvalidSignature:
            continue
        references = signature.findall(f"{DS}SignedInfo/{DS}Reference")
        whole = any(reference.get("URI", "") in WHOLE_DOCUMENT for reference in references)
        return certificate, Integrity.INTACT if whole else Integrity.PARTIAL
    return certificates[0], Integrity.ALTERED


def _verifier(xades: bool) -> XMLVerifier:
    return XAdESVerifier() if xades else XMLVerifier()


def _expected(xades: bool, certificate: x509.Certificate) -> SignatureConfiguration:
    configuration = XAdESSignatureConfiguration if xades else SignatureConfiguration
    return configuration(
        expect_references=True,
        signature_methods=frozenset(SignatureMethod),  # SHA-1 is kept with a warning, not refused
        digest_algorithms=frozenset(DigestAlgorithm),
        # The certificate's validity is weighed with the trust path, not here.
        verification_time=certificate.not_valid_before_utc,
    )


def _level(signature: Any) -> str:
    def present(name: str) -> bool:
        return signature.find(f".//{{*}}{name}") is not None

    if not (present("SigningCertificate") or present("SigningCertificateV2")):
        return ""
    if present("ArchiveTimeStamp"):
        return "LTA"
    if present("CertificateValues") or present("RevocationValues"):
        return "LT"
    return "T" if present("SignatureTimeStamp") else "BES"


def _declared_time(signature: Any) -> datetime.datetime | None:
    element = signature.find(".//{*}SignedSignatureProperties/{*}SigningTime")
    try:
        declared = datetime.datetime.fromisoformat((element.text or "").strip()) if element is not None else None
    except ValueError:
        return None
    return declared.replace(tzinfo=declared.tzinfo or datetime.UTC) if declared else None


async def _timing(signature: Any, certificates: list[Any], trust: Trust) -> Timing:
    """The declared signing time and the signature time-stamp, its TSA weighed against `trust`."""
    declared = _declared_time(signature)
    stamp = signature.find(".//{*}UnsignedSignatureProperties/{*}SignatureTimeStamp")
    if stamp is None:
        return Timing(declared)
    try:
        token = cms.ContentInfo.load(base64.b64decode(stamp.findtext("{*}EncapsulatedTimeStamp") or ""))
        context = ValidationContext(trust_roots=signatures.trust_roots(trust), other_certs=certificates)
        status = TimestampSignatureStatus(
            **await validate_tst_signed_data(token["content"], context, _imprint_of(signature, stamp))
        )
    except XML_ERRORS:
        return Timing(declared, timestamp_invalid=True)
    if not (status.intact and status.valid):
        return Timing(declared, timestamp_invalid=True)
    return Timing(declared, TimeStamp(status.timestamp, status.trusted))


def _imprint_of(signature: Any, stamp: Any) -> Any:
    method = stamp.find(f"{DS}CanonicalizationMethod")
    algorithm = method.get("Algorithm", "") if method is not None else ""
    canonical = etree.tostring(
        signature.find(f"{DS}SignatureValue"),
        method="c14n",
        exclusive=algorithm.startswith(EXCLUSIVE_C14N),
        with_comments=algorithm.endswith("#WithComments"),
    )

    def imprint(algorithm_name: str) -> bytes:
        digest = hashes.Hash(get_pyca_cryptography_hash(algorithm_name))
        digest.update(canonical)
        return digest.finalize()

    return imprint
