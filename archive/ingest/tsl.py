"""Trusted lists (ETSI TS 119 612): the EU's list of trusted lists (LOTL), which points at each member
state's list and names the certificates that sign it, and the national lists, which name the trust
services each state supervises with their status over time.

A list is read only once its enveloped XML signature holds with one of the certificates it is expected
to be signed with (the LOTL's are pinned by configuration, a national list's named by its pointer), and
what is read is what that signature covers, never the bytes around it.
"""

from __future__ import annotations

import base64
import datetime
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature, SignXMLException
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

NS = "http://uri.etsi.org/02231/v2#"
ADDITIONAL_TYPES = "http://uri.etsi.org/02231/v2/additionaltypes#"
NAMESPACES = {"t": NS, "a": ADDITIONAL_TYPES, "ds": "http://www.w3.org/2000/09/xmldsig#"}
ROOT = f"{{{NS}}}TrustServiceStatusList"
LIST_MIME_TYPE = "application/vnd.etsi.tsl+xml"  # a pointer may also name the list's PDF rendering
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
GRANTED = STATUS + "granted"
# Before eIDAS applied (1 July 2016) a qualified CA was "under supervision", "in cessation" or
# "accredited"; TS 119 612 turned each into "granted", and old histories still carry them.
GRANTED_STATUSES = frozenset(
    {GRANTED} | {STATUS + old for old in ("undersupervision", "supervisionincessation", "accredited")}
)
MAX_BYTES = 50 * 1024**2
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
# The signature is the root's child; XAdES adds a reference to its signed properties.
EXPECTED = SignatureConfiguration(location="./", expect_references=True)
TERRITORY = re.compile(r"[A-Z]{2}")


class TrustedListError(Exception):
    """A list that cannot be read, or whose signature does not hold."""


@dataclass(frozen=True)
class Status:
    service_type: str
    status: str
    since: datetime.datetime


@dataclass(frozen=True)
class Service:
    certificates: tuple[bytes, ...]  # DER
    statuses: tuple[Status, ...]  # newest first: the current one, then its history

    def status_at(self, moment: datetime.datetime) -> Status | None:
        return next((status for status in self.statuses if status.since <= moment), None)

    def qualified_at(self, moment: datetime.datetime) -> bool:
        """Whether, at `moment`, it was a CA granted to issue qualified certificates."""
        status = self.status_at(moment)
        return status is not None and status.service_type == CA_QC and status.status in GRANTED_STATUSES

    @property
    def ever_qualified_ca(self) -> bool:
        return any(status.service_type == CA_QC for status in self.statuses)


@dataclass(frozen=True)
class Pointer:
    territory: str
    location: str
    certificates: tuple[bytes, ...]  # DER, those that may sign the list pointed at


@dataclass(frozen=True)
class TrustedList:
    territory: str
    sequence_number: int
    issued_at: datetime.datetime
    next_update: datetime.datetime | None  # none for a list that will not be updated again
    pointers: tuple[Pointer, ...]  # the LOTL's, to the national lists in XML
    services: tuple[Service, ...]  # a national list's


def read_signed(data: bytes, *, signers: Sequence[x509.Certificate]) -> tuple[TrustedList, x509.Certificate]:
    """The list in `data` and which of `signers` signed it. Raises TrustedListError when the list was
    changed after signing, or none of them signed it."""
    root = _parsed(data)
    signer, signed = _verified(data, root, signers)
    return _trusted_list(signed), signer


def read(data: bytes) -> TrustedList:
    """A list whose signature was verified when it was received."""
    return _trusted_list(_parsed(data))


def _parsed(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise TrustedListError(f"it is larger than {MAX_BYTES} bytes")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        raise TrustedListError(f"it is not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise TrustedListError("it declares a DOCTYPE, which no trusted list has")
    if root.tag != ROOT:
        raise TrustedListError(f"it is not a trusted list (ETSI TS 119 612) but {root.tag}")
    return root


def _verified(data: bytes, root: Any, signers: Sequence[x509.Certificate]) -> tuple[x509.Certificate, Any]:
    """The signer and the list as its signature covers it. signxml checks the signed info's signature
    with each certificate in turn; only the right one goes on to the digests of what it signed."""
    expired = []
    for signer in signers:
        try:
            results = XMLVerifier().verify(data, x509_cert=signer, parser=PARSER, expect_config=EXPECTED)
        except InvalidDigest:
            raise TrustedListError("it was changed after it was signed: a digest does not match") from None
        except InvalidCertificate:
            expired.append(signer.subject.rfc4514_string())
            continue
        except InvalidSignature:
            continue
        except (SignXMLException, etree.LxmlError, ValueError) as error:
            raise TrustedListError(f"its signature cannot be read: {error}") from None
        covered = [result.signed_xml for result in _as_list(results) if _is_whole_list(result)]
        if not covered:
            raise TrustedListError("its signature does not cover the whole list")
        return signer, covered[0]
    expected = "; ".join(signer.subject.rfc4514_string() for signer in signers) or "none"
    raise TrustedListError(
        f"its signature does not hold with any certificate expected to sign it ({expected})"
        + (f", of which these are not valid today: {'; '.join(expired)}" if expired else "")
        + f"; it names as its signer {_named_signer(root)}"
    )


def _as_list(results: VerifyResult | list[VerifyResult]) -> list[VerifyResult]:
    return results if isinstance(results, list) else [results]


def _is_whole_list(result: VerifyResult) -> bool:
    return result.signed_xml is not None and result.signed_xml.tag == ROOT


def _named_signer(root: Any) -> str:
    text = root.findtext("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NAMESPACES)
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text or "")).subject.rfc4514_string()
    except ValueError:
        return "no readable certificate"


def _trusted_list(root: Any) -> TrustedList:
    information = _child(root, "t:SchemeInformation")
    try:
        return TrustedList(
            territory=_territory(_text(information, "t:SchemeTerritory")),
            sequence_number=int(_text(information, "t:TSLSequenceNumber")),
            issued_at=_time(_text(information, "t:ListIssueDateTime")),
            next_update=_next_update(information),
            pointers=tuple(_pointers(information)),
            services=tuple(
                _service(service)
                for service in root.iterfind(
                    "t:TrustServiceProviderList/t:TrustServiceProvider/t:TSPServices/t:TSPService", NAMESPACES
                )
            ),
        )
    except ValueError as error:  # a number, a time, a certificate that is not one
        raise TrustedListError(f"it is malformed: {error}") from None


def _pointers(information: Any) -> Iterator[Pointer]:
    for pointer in information.iterfind("t:PointersToOtherTSL/t:OtherTSLPointer", NAMESPACES):
        other = "t:AdditionalInformation/t:OtherInformation/"
        if pointer.findtext(other + "a:MimeType", "", NAMESPACES).strip() != LIST_MIME_TYPE:
            continue
        yield Pointer(
            territory=_territory(_text(pointer, other + "t:SchemeTerritory")),
            location=_text(pointer, "t:TSLLocation"),
            certificates=_certificates(
                pointer.iterfind(
                    "t:ServiceDigitalIdentities/t:ServiceDigitalIdentity/t:DigitalId/t:X509Certificate", NAMESPACES
                )
            ),
        )


def _service(service: Any) -> Service:
    entries = [
        _child(service, "t:ServiceInformation"),
        *service.iterfind("t:ServiceHistory/t:ServiceHistoryInstance", NAMESPACES),
    ]
    statuses = [
        Status(
            _text(entry, "t:ServiceTypeIdentifier"),
            _text(entry, "t:ServiceStatus"),
            _time(_text(entry, "t:StatusStartingTime")),
        )
        for entry in entries
    ]
    identities = (
        entry.iterfind("t:ServiceDigitalIdentity/t:DigitalId/t:X509Certificate", NAMESPACES) for entry in entries
    )
    certificates = _certificates(element for identity in identities for element in identity)
    return Service(certificates, tuple(sorted(statuses, key=lambda status: status.since, reverse=True)))


def _certificates(elements: Iterable[Any]) -> tuple[bytes, ...]:
    ders = [base64.b64decode(element.text or "") for element in elements]
    for der in ders:
        x509.load_der_x509_certificate(der)  # raises ValueError when it is not one
    return tuple(dict.fromkeys(ders))


def _child(element: Any, path: str) -> Any:
    child = element.find(path, NAMESPACES)
    if child is None:
        raise TrustedListError(f"it has no {path.removeprefix('t:')}")
    return child


def _text(element: Any, path: str) -> str:
    text: str = (element.findtext(path, "", NAMESPACES) or "").strip()
    if not text:
        raise TrustedListError(f"it has no {path.replace('t:', '').replace('a:', '')}")
    return text


def _territory(code: str) -> str:
    if not TERRITORY.fullmatch(code):
        raise TrustedListError(f"its territory {code!r} is not a two-letter code")
    return code


def _next_update(information: Any) -> datetime.datetime | None:
    text = information.findtext("t:NextUpdate/t:dateTime", "", NAMESPACES).strip()
    return _time(text) if text else None


def _time(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
