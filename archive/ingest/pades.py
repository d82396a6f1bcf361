"""PAdES: the signatures a PDF carries, read from the file by pyhanko, which seeks rather than loads it.

Each signature is a CMS SignedData over the file's signed byte ranges, verified as CAdES is
(`cades.examine`); what is PDF's own is whether those ranges cover the whole signed revision, and
whether the file was changed afterwards beyond what a signed PDF allows (a form filled, a comment).
"""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from archive.ingest import cades, findings, signatures
from archive.ingest.findings import Finding
from archive.ingest.signatures import Examined, Integrity, SignatureReport, Trust

# What pyhanko raises reading a PDF that is broken, or made to break a reader.
PDF_ERRORS = (*cades.VERIFY_ERRORS, PdfError, zlib.error, AssertionError, RecursionError)

BYTE_RANGE = b"/ByteRange"  # what every PDF signature dictionary holds, uncompressed
UNREADABLE = "signature.pdf_unreadable"
CHANGED = "signature.pdf_changed"

findings.register(
    {
        UNREADABLE: gettext_lazy("Il PDF sembra firmato ma non è leggibile: non è possibile verificarne le firme."),
        CHANGED: gettext_lazy(
            "Il PDF è stato modificato dopo la firma di %(signer)s oltre quanto un documento firmato consente "
            "(moduli, annotazioni)."
        ),
    }
)


def verify_pades(path: Path, *, trust: Trust) -> tuple[tuple[SignatureReport, ...], tuple[Finding, ...]]:
    """Every signature of the PDF at `path`; none when it is not signed."""
    try:
        with path.open("rb") as stream:
            return signatures.run_sync(_verified(PdfFileReader(stream, strict=False), trust))
    except PDF_ERRORS:
        # Whether it is a sound PDF is the checks' business; here, only whether it looks signed.
        return (), ((findings.error(UNREADABLE),) if signatures.mentions(path, BYTE_RANGE) else ())


async def _verified(reader: PdfFileReader, trust: Trust) -> tuple[tuple[SignatureReport, ...], tuple[Finding, ...]]:
    reports: list[SignatureReport] = []
    found: list[Finding] = []
    for embedded in reader.embedded_regular_signatures:
        report, judged = await _verified_signature(embedded, reader, trust)
        reports += [report] if report else []
        found += judged
    return tuple(reports), tuple(found)


async def _verified_signature(
    embedded: EmbeddedPdfSignature, reader: PdfFileReader, trust: Trust
) -> tuple[SignatureReport | None, list[Finding]]:
    try:
        embedded.compute_integrity_info()  # type: ignore[no-untyped-call]  # pyhanko leaves it unannotated
        examined = await cades.examine(
            embedded.signed_data,
            embedded.signer_info,
            digest=embedded.compute_digest,
            kind="PAdES",
            depth=0,
            trust=trust,
        )
        if examined is None:
            return None, [findings.error(signatures.NO_CERTIFICATE)]
        report, judged = await signatures.judge(_as_in_pdf(examined, embedded, reader), trust)
    except PDF_ERRORS:
        return None, [findings.error(signatures.MALFORMED)]
    if _changed_after_signing(embedded):
        judged.append(findings.warning(CHANGED, signer=report.signer_name))
    return report, judged


def _as_in_pdf(examined: Examined, embedded: EmbeddedPdfSignature, reader: PdfFileReader) -> Examined:
    partial = embedded.coverage is None or embedded.coverage < SignatureCoverageLevel.ENTIRE_REVISION
    intact = examined.integrity in (Integrity.INTACT, Integrity.REENCODED)
    certificates, crls, ocsps = _security_store(reader)
    return dataclasses.replace(
        examined,
        integrity=Integrity.PARTIAL if intact and partial else examined.integrity,
        level=_level(examined.level, reader, stored=bool(crls or ocsps)),
        # PAdES signers declare their time in the signature dictionary (/M), not in the CMS.
        timing=dataclasses.replace(
            examined.timing, declared=examined.timing.declared or embedded.self_reported_timestamp
        ),
        other_certs=(*examined.other_certs, *certificates),
        crls=(*examined.crls, *crls),
        ocsps=(*examined.ocsps, *ocsps),
    )


def _level(signature_level: str, reader: PdfFileReader, *, stored: bool) -> str:
    if not signature_level or signature_level in ("LT", "LTA"):
        return signature_level
    if reader.embedded_timestamp_signatures:
        return "LTA"
    return "LT" if stored else signature_level


def _security_store(reader: PdfFileReader) -> tuple[list[Any], list[Any], list[Any]]:
    """The certificates and revocation data of the document security store (PAdES-LT), if any."""
    try:
        store = DocumentSecurityStore.read_dss(reader)
    except PDF_ERRORS:
        return [], [], []
    crls = [asn1_crl.CertificateList.load(reference.get_object().data) for reference in store.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(reference.get_object().data) for reference in store.ocsps]
    return list(store.load_certs()), crls, ocsps


def _changed_after_signing(embedded: EmbeddedPdfSignature) -> bool:
    """Whether a later revision changed more than forms, comments and long-term data."""
    result = embedded.diff_result
    return isinstance(result, SuspiciousModification) or (
        result is not None and result.modification_level == ModificationLevel.OTHER
    )
