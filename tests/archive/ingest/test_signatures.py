"""Every signature of a signed file, verified at deposit: real envelopes signed with the test PKI
(pyhanko, or built by hand where a signing tool's quirk is imitated), and openssl as a second
opinion where the verdict is integrity."""

import base64
import datetime
import io
import subprocess
from pathlib import Path

from asn1crypto import algos, cms, core
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from signxml import XMLSigner, methods
from signxml.xades import XAdESSigner

from archive.ingest import pades, signatures, xades
from archive.ingest.cades import open_cades
from archive.ingest.pades import verify_pades
from archive.ingest.signatures import NO_TRUST, Outcome, SignatureReport, TrustRoots, run_sync
from archive.ingest.xades import verify_xmldsig
from tests.archive import files
from tests.archive.ingest import pki

DOCUMENT = b"Contratto di fornitura n. 42 tra Conserva S.r.l. e Mario Rossi.\n"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
DECLARED = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)


def trusted() -> TrustRoots:
    return TrustRoots((pki.root().der,))


def signed(
    content: bytes = DOCUMENT,
    *,
    party: pki.Party | None = None,
    digest: str = "sha256",
    detached: bool = False,
    time_stamped: bool = False,
    stamped_at: datetime.datetime | None = None,
    signing_time: datetime.datetime | None = None,
) -> bytes:
    """A CAdES-BES envelope (CAdES-T when time-stamped, now or `stamped_at`) as pyhanko signs it."""
    party = party or pki.rossi()
    signer = signers.SimpleSigner(
        signing_cert=party.asn1_certificate,
        signing_key=party.asn1_key,
        cert_registry=SimpleCertificateStore.from_certs([pki.root().asn1_certificate]),
    )
    time_stamper = DummyTimeStamper(pki.tsa().asn1_certificate, pki.tsa().asn1_key, fixed_dt=stamped_at)
    envelope = run_sync(
        signer.async_sign_general_data(
            content,
            digest,
            detached=detached,
            timestamper=time_stamper if time_stamped else None,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
        )
    )
    return envelope.dump()


def with_crl(der: bytes, *, revoked: tuple[pki.Party, ...] = (), at: datetime.datetime | None = None) -> bytes:
    """The envelope carrying the root's CRL, as a long-term signature carries its revocation data."""
    envelope = cms.ContentInfo.load(der)
    revocation_list = asn1_crl.CertificateList.load(pki.crl(revoked=revoked, at=at))
    envelope["content"]["crls"] = [cms.RevocationInfoChoice("crl", revocation_list)]
    return envelope.dump()


def countersigned_in_parallel(der: bytes, party: pki.Party) -> bytes:
    """The envelope with a second signer of the same content beside the first."""
    envelope, other = cms.ContentInfo.load(der), cms.ContentInfo.load(signed(party=party))
    data = envelope["content"]
    data["signer_infos"] = [*data["signer_infos"], other["content"]["signer_infos"][0]]
    data["certificates"] = [*data["certificates"], *other["content"]["certificates"]]
    return envelope.dump()


def hand_made(content: bytes = DOCUMENT, *, signed_in_der_order: bool) -> bytes:
    """An envelope as some Italian signing tools write it: the signed attributes stored out of DER
    order, and signed either in that order or in DER order."""
    party = pki.rossi()
    attributes = [
        _attribute("message_digest", core.OctetString(hashes_of(content))),
        _attribute("content_type", cms.ContentType("data")),
        _attribute("signing_certificate_v2", as_signing_certificate_v2(party.asn1_certificate)),
    ]
    stored = _set_of(b"".join(attribute.dump() for attribute in attributes))
    to_sign = cms.CMSAttributes(attributes).dump() if signed_in_der_order else stored
    assert to_sign != stored or not signed_in_der_order
    signature = party.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
    certificate = party.asn1_certificate
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                "issuer_and_serial_number",
                {"issuer": certificate.issuer, "serial_number": certificate.serial_number},
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": cms.CMSAttributes.load(stored),
            "signature_algorithm": {"algorithm": "sha256_rsa"},
            "signature": signature,
        }
    )
    return _envelope(content, [signer_info], [certificate])


def hashes_of(content: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(content)
    return digest.finalize()


def _attribute(kind: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


def _set_of(contents: bytes) -> bytes:
    return core.SetOf(contents=contents).dump()


def _envelope(content: bytes, signer_infos: list, certificates: list) -> bytes:
    data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data", "content": content},
            "certificates": certificates,
            "signer_infos": signer_infos,
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": data}).dump()


def altered(der: bytes, content: bytes = DOCUMENT) -> bytes:
    """`der` with one byte of its signed content changed."""
    at = der.index(content) + 10
    return der[:at] + bytes([der[at] ^ 0x01]) + der[at + 1 :]


def openssl_verifies(der: bytes, tmp_path, *, content: bytes | None = None) -> bool:
    """openssl's own verdict on the signatures' integrity (-noverify: certificates not checked)."""
    envelope = tmp_path / "envelope.p7m"
    envelope.write_bytes(der)
    command = ["openssl", "cms", "-verify", "-inform", "DER", "-noverify", "-binary", "-in", str(envelope)]
    if content is not None:
        (tmp_path / "content").write_bytes(content)
        command += ["-content", str(tmp_path / "content")]
    result = subprocess.run([*command, "-out", "/dev/null"], capture_output=True, check=False)  # noqa: S603 (fixed arguments)
    return result.returncode == 0 and b"Verification successful" in result.stderr


def codes(opened) -> list[tuple[str, str]]:
    return [(finding.code, str(finding.level)) for finding in opened.findings]


def test_it_keeps_a_valid_p7m_as_indeterminate_without_trust_roots(tmp_path):
    opened = open_cades(signed(), trust=NO_TRUST)

    assert opened.content == DOCUMENT
    (report,) = opened.signatures
    assert report.outcome == Outcome.INDETERMINATE
    assert report.reason == "nessun percorso di fiducia verso una CA fidata"
    assert codes(opened) == [(signatures.UNTRUSTED, "AVVISO")]
    assert "Mario Rossi" in opened.findings[0].message
    assert openssl_verifies(signed(), tmp_path)


def test_it_reports_who_signed_how_and_with_which_certificate():
    (report,) = open_cades(signed(signing_time=DECLARED), trust=NO_TRUST).signatures

    assert report.kind == "CAdES"
    assert report.depth == 0
    assert report.signer_name == "Mario Rossi"
    assert report.signer_tax_code == "RSSMRA80A01H501U"
    assert report.issuer == "Conserva Test Root CA"
    assert (report.signing_time, report.signing_time_source) == (DECLARED, "dichiarato dal firmatario")
    assert (report.digest_algorithm, report.signature_algorithm) == ("sha256", "sha256_rsa")
    assert report.level == "BES"
    assert report.qualified is True


def test_it_finds_a_p7m_valid_against_a_trusted_root_with_its_revocation_data():
    opened = open_cades(with_crl(signed()), trust=trusted())

    (report,) = opened.signatures
    assert (report.outcome, report.reason) == (Outcome.VALID, "")
    assert opened.findings == ()


def test_it_keeps_a_signature_whose_revocation_is_unknown_with_a_warning():
    opened = open_cades(signed(), trust=trusted())

    assert opened.signatures[0].outcome == Outcome.INDETERMINATE
    assert codes(opened) == [(signatures.REVOCATION_UNKNOWN, "AVVISO")]


def test_it_warns_of_a_revoked_certificate():
    opened = open_cades(with_crl(signed(), revoked=(pki.rossi(),)), trust=trusted())

    assert opened.signatures[0].outcome == Outcome.INDETERMINATE
    assert codes(opened) == [(signatures.REVOKED, "AVVISO")]


def test_it_warns_of_an_expired_certificate_without_a_time_stamp():
    opened = open_cades(with_crl(signed(party=pki.expired())), trust=trusted())

    assert opened.signatures[0].reason == "certificato scaduto senza riferimento temporale"
    assert (signatures.EXPIRED, "AVVISO") in codes(opened)


def test_it_finds_an_expired_certificate_valid_when_a_time_stamp_proves_the_signature_older():
    stamped_at = pki.expired().certificate.not_valid_after_utc - datetime.timedelta(days=10)
    der = signed(party=pki.expired(), time_stamped=True, stamped_at=stamped_at)

    opened = open_cades(with_crl(der, at=stamped_at), trust=trusted())

    (report,) = opened.signatures
    assert (report.signing_time, report.signing_time_source) == (stamped_at, "marca temporale")
    assert (report.outcome, opened.findings) == (Outcome.VALID, ())


def test_it_refuses_a_p7m_whose_content_was_changed_after_signing(tmp_path):
    tampered = altered(signed())

    opened = open_cades(tampered, trust=trusted())

    (report,) = opened.signatures
    assert (report.outcome, report.reason) == (Outcome.NOT_INTACT, "il documento è stato modificato dopo la firma")
    assert codes(opened) == [(signatures.NOT_INTACT, "ERRORE")]
    assert opened.findings[0].message == (
        "Firma non integra: il documento è stato modificato dopo la firma (firmatario Mario Rossi)."
    )
    assert not openssl_verifies(tampered, tmp_path)


def test_it_reports_both_envelopes_of_a_p7m_p7m():
    opened = open_cades(signed(signed(), party=pki.bianchi()), trust=NO_TRUST)

    assert opened.content == DOCUMENT
    assert [(report.depth, report.signer_name) for report in opened.signatures] == [
        (0, "Giulia Bianchi"),
        (1, "Mario Rossi"),
    ]


def test_it_refuses_envelopes_nested_deeper_than_a_document_is_signed():
    der = DOCUMENT
    for _ in range(4):
        der = signed(der)

    opened = open_cades(der, trust=NO_TRUST)

    assert (signatures.TOO_DEEP, "ERRORE") in codes(opened)
    assert opened.content == b""


def test_it_reports_each_of_two_parallel_signers(tmp_path):
    der = countersigned_in_parallel(signed(), pki.bianchi())

    opened = open_cades(der, trust=NO_TRUST)

    assert sorted(report.signer_tax_code for report in opened.signatures) == ["BNCGLI85M41F205Z", "RSSMRA80A01H501U"]
    assert {report.outcome for report in opened.signatures} == {Outcome.INDETERMINATE}
    assert openssl_verifies(der, tmp_path)


def test_it_refuses_the_file_when_one_of_two_parallel_signatures_is_broken():
    der = countersigned_in_parallel(signed(), pki.bianchi())
    envelope = cms.ContentInfo.load(der)
    second = envelope["content"]["signer_infos"][1]
    second["signature"] = bytes(len(second["signature"].native))

    opened = open_cades(envelope.dump(), trust=NO_TRUST)

    assert sorted(report.outcome for report in opened.signatures) == [Outcome.INDETERMINATE, Outcome.NOT_INTACT]
    assert (signatures.NOT_INTACT, "ERRORE") in codes(opened)


def test_it_keeps_a_sha1_signature_with_a_warning():
    opened = open_cades(signed(digest="sha1"), trust=NO_TRUST)

    assert opened.signatures[0].digest_algorithm == "sha1"
    assert opened.signatures[0].outcome == Outcome.INDETERMINATE
    assert (signatures.SHA1, "AVVISO") in codes(opened)


def test_it_keeps_attributes_signed_in_der_order_but_stored_in_another_though_openssl_fails(tmp_path):
    der = hand_made(signed_in_der_order=True)

    opened = open_cades(with_crl(der), trust=trusted())

    assert not openssl_verifies(der, tmp_path)
    assert opened.signatures[0].outcome == Outcome.VALID
    assert codes(opened) == [(signatures.DER_REENCODED, "AVVISO")]


def test_it_keeps_attributes_signed_in_the_order_written_with_a_warning(tmp_path):
    # openssl verifies the bytes as stored; a verifier that re-encodes them in DER fails.
    der = hand_made(signed_in_der_order=False)

    opened = open_cades(der, trust=NO_TRUST)

    assert openssl_verifies(der, tmp_path)
    assert opened.signatures[0].outcome == Outcome.INDETERMINATE
    assert codes(opened) == [(signatures.UNTRUSTED, "AVVISO"), (signatures.DER_REENCODED, "AVVISO")]


def test_it_still_refuses_a_hand_made_envelope_whose_content_changed():
    opened = open_cades(altered(hand_made(signed_in_der_order=False)), trust=NO_TRUST)

    assert opened.signatures[0].outcome == Outcome.NOT_INTACT
    assert codes(opened) == [(signatures.NOT_INTACT, "ERRORE")]


def test_it_opens_a_base64_p7m():
    opened = open_cades(base64.encodebytes(signed()), trust=NO_TRUST)

    assert opened.content == DOCUMENT
    assert len(opened.signatures) == 1


def test_it_opens_a_p7m_that_openssl_signed_in_ber(tmp_path):
    (tmp_path / "document").write_bytes(DOCUMENT)
    (tmp_path / "signer.pem").write_bytes(pki.rossi().pem)
    (tmp_path / "key.pem").write_bytes(pki.rossi().key_pem)
    subprocess.run(  # noqa: S603 (fixed arguments)
        ["openssl", "cms", "-sign", "-binary", "-nodetach", "-stream", "-outform", "DER", "-in", "document"]
        + ["-signer", "signer.pem", "-inkey", "key.pem", "-out", "document.p7m"],
        cwd=tmp_path,
        check=True,
    )

    opened = open_cades((tmp_path / "document.p7m").read_bytes(), trust=NO_TRUST)

    assert opened.content == DOCUMENT
    assert opened.signatures[0].outcome == Outcome.INDETERMINATE
    assert opened.signatures[0].level == ""


def test_it_refuses_bytes_that_are_no_envelope():
    for data in (b"\x30\x82\xff\xff garbage", b"not a signature at all", b"", DOCUMENT):
        opened = open_cades(data, trust=NO_TRUST)

        assert codes(opened) == [(signatures.UNREADABLE, "ERRORE")]
        assert (opened.content, opened.signatures) == (b"", ())


def test_it_answers_with_findings_whatever_byte_of_an_envelope_is_damaged():
    der = with_crl(signed(time_stamped=True))

    for at in range(0, len(der), 37):
        damaged = der[:at] + bytes([der[at] ^ 0xA5]) + der[at + 1 :]
        opened = open_cades(damaged, trust=trusted())

        assert opened.signatures or any(finding.is_error for finding in opened.findings)


def test_it_refuses_a_cms_that_is_not_signed_data():
    envelope = cms.ContentInfo({"content_type": "data", "content": DOCUMENT}).dump()

    assert codes(open_cades(envelope, trust=NO_TRUST)) == [(signatures.UNREADABLE, "ERRORE")]


def test_it_refuses_an_envelope_without_signers_or_without_content():
    no_signer = _envelope(DOCUMENT, [], [])
    no_content = _envelope(b"", [], [])

    assert codes(open_cades(no_signer, trust=NO_TRUST)) == [(signatures.MISSING, "ERRORE")]
    assert codes(open_cades(no_content, trust=NO_TRUST)) == [(signatures.NO_CONTENT, "ERRORE")]


def test_it_refuses_a_signature_without_its_signers_certificate():
    envelope = cms.ContentInfo.load(signed())
    envelope["content"]["certificates"] = [pki.root().asn1_certificate]

    opened = open_cades(envelope.dump(), trust=NO_TRUST)

    assert codes(opened) == [(signatures.NO_CERTIFICATE, "ERRORE")]


def test_it_verifies_a_detached_p7s_against_its_document(tmp_path):
    p7s = signed(detached=True)

    good = open_cades(p7s, trust=NO_TRUST, detached_content=DOCUMENT)
    other = open_cades(p7s, trust=NO_TRUST, detached_content=DOCUMENT.replace(b"42", b"43"))

    assert good.content == DOCUMENT
    assert good.signatures[0].outcome == Outcome.INDETERMINATE
    assert openssl_verifies(p7s, tmp_path, content=DOCUMENT)
    assert other.signatures[0].outcome == Outcome.NOT_INTACT
    assert codes(other) == [(signatures.NOT_INTACT, "ERRORE")]


def test_it_refuses_a_detached_p7s_without_its_document():
    opened = open_cades(signed(detached=True), trust=NO_TRUST)

    assert codes(opened) == [(signatures.DETACHED_WITHOUT_CONTENT, "ERRORE")]
    assert opened.signatures == ()


def test_it_dates_a_time_stamped_signature_by_its_time_stamp():
    before = datetime.datetime.now(datetime.UTC)

    opened = open_cades(with_crl(signed(time_stamped=True, signing_time=DECLARED)), trust=trusted())

    (report,) = opened.signatures
    assert report.signing_time_source == "marca temporale"
    assert report.signing_time >= before - datetime.timedelta(seconds=1)
    assert report.level == "T"
    assert report.outcome == Outcome.VALID


def test_it_ignores_a_time_stamp_that_belongs_to_another_signature():
    envelope = cms.ContentInfo.load(signed(signing_time=DECLARED))
    other = cms.ContentInfo.load(signed(DOCUMENT + b"!", time_stamped=True))
    envelope["content"]["signer_infos"][0]["unsigned_attrs"] = other["content"]["signer_infos"][0]["unsigned_attrs"]

    opened = open_cades(envelope.dump(), trust=NO_TRUST)

    (report,) = opened.signatures
    assert (report.signing_time, report.signing_time_source) == (DECLARED, "dichiarato dal firmatario")
    assert (signatures.TIMESTAMP_INVALID, "AVVISO") in codes(opened)


def test_it_stores_a_report_as_json_and_reads_it_back():
    (report,) = open_cades(signed(signing_time=DECLARED), trust=NO_TRUST).signatures

    assert SignatureReport.from_json(report.as_json()) == report
    assert report.as_json()["outcome"] == "INDETERMINATA"


def signer_of(party: pki.Party) -> signers.SimpleSigner:
    return signers.SimpleSigner(
        signing_cert=party.asn1_certificate,
        signing_key=party.asn1_key,
        cert_registry=SimpleCertificateStore.from_certs([pki.root().asn1_certificate]),
    )


def signed_pdf(tmp_path, *, long_term: bool = False, pdf: bytes | None = None, party: pki.Party | None = None) -> Path:
    """A PAdES-B-B PDF as pyhanko signs it; PAdES-B-LT, its revocation data in the document, if `long_term`."""
    party = party or pki.rossi()
    metadata = signers.PdfSignatureMetadata(
        field_name=f"Firma {party.certificate.serial_number}",
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        validation_context=ValidationContext(
            trust_roots=[pki.root().asn1_certificate], crls=[pki.crl()], allow_fetching=False
        ),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf or files.pdf("Verbale di riunione, firmato")))
    output = run_sync(signers.async_sign_pdf(writer, metadata, signer=signer_of(party)))
    path = tmp_path / "verbale.pdf"
    path.write_bytes(output.getvalue())
    return path


def test_it_verifies_a_signed_pdf(tmp_path):
    reports, found = verify_pades(signed_pdf(tmp_path), trust=NO_TRUST)

    (report,) = reports
    assert (report.kind, report.signer_name, report.level) == ("PAdES", "Mario Rossi", "BES")
    assert report.outcome == Outcome.INDETERMINATE
    assert [finding.code for finding in found] == [signatures.UNTRUSTED]


def test_it_finds_a_long_term_pdf_signature_valid_from_the_data_it_carries(tmp_path):
    reports, found = verify_pades(signed_pdf(tmp_path, long_term=True), trust=trusted())

    assert [(report.level, report.outcome) for report in reports] == [("LT", Outcome.VALID)]
    assert found == ()


def test_it_refuses_a_pdf_changed_inside_what_was_signed(tmp_path):
    path = signed_pdf(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"ReportLab", b"ReportLaB", 1))
    assert path.read_bytes() != data

    reports, found = verify_pades(path, trust=trusted())

    assert [report.outcome for report in reports] == [Outcome.NOT_INTACT]
    assert [(finding.code, str(finding.level)) for finding in found] == [(signatures.NOT_INTACT, "ERRORE")]


def test_it_verifies_each_signature_of_a_pdf_signed_twice(tmp_path):
    once = signed_pdf(tmp_path).read_bytes()

    reports, found = verify_pades(signed_pdf(tmp_path, pdf=once, party=pki.bianchi()), trust=NO_TRUST)

    assert sorted(report.signer_name for report in reports) == ["Giulia Bianchi", "Mario Rossi"]
    assert [finding.code for finding in found] == [signatures.UNTRUSTED, signatures.UNTRUSTED]


def test_it_warns_of_a_pdf_whose_page_was_changed_after_signing(tmp_path):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf(tmp_path).read_bytes()))
    added = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 600 Td (ANNULLATO) Tj ET"))
    writer.add_stream_to_page(0, added)
    output = io.BytesIO()
    writer.write(output)
    path = tmp_path / "cambiato.pdf"
    path.write_bytes(output.getvalue())

    reports, found = verify_pades(path, trust=NO_TRUST)

    assert [report.outcome for report in reports] == [Outcome.INDETERMINATE]
    assert [finding.code for finding in found] == [signatures.UNTRUSTED, pades.CHANGED]


def test_it_finds_no_signature_in_an_unsigned_pdf(tmp_path):
    path = tmp_path / "verbale.pdf"
    path.write_bytes(files.pdf())

    assert verify_pades(path, trust=NO_TRUST) == ((), ())


def test_it_refuses_a_pdf_that_looks_signed_but_cannot_be_read(tmp_path):
    path = tmp_path / "verbale.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    signed = tmp_path / "firmato.pdf"
    signed.write_bytes(b"%PDF-1.7\n<< /Type /Sig /ByteRange [0 10 20 30] >>" + b"\x00garbage" * 100)

    assert verify_pades(path, trust=NO_TRUST) == ((), ())
    reports, found = verify_pades(signed, trust=NO_TRUST)
    assert reports == ()
    assert [(finding.code, str(finding.level)) for finding in found] == [(pades.UNREADABLE, "ERRORE")]


INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" versione="FPR12">'
    b'<FatturaElettronicaBody Id="corpo"><Numero>42</Numero><ImportoTotaleDocumento>122.00</ImportoTotaleDocumento>'
    b"</FatturaElettronicaBody></p:FatturaElettronica>"
)


def signed_xml(tmp_path, *, xades: bool = True, reference: str | None = None, time_stamped: bool = False) -> Path:
    """The invoice with an enveloped signature, XAdES-BES as Italian invoices carry it (XAdES-T if
    `time_stamped`), or plain XMLDSig."""
    party = pki.rossi()
    signer = (XAdESSigner if xades else XMLSigner)(method=methods.enveloped, c14n_algorithm=C14N)
    root = signer.sign(
        etree.fromstring(INVOICE),
        key=party.key,
        cert=[party.certificate, pki.root().certificate],
        reference_uri=reference,
    )
    if time_stamped:
        _time_stamp(root)
    path = tmp_path / "fattura.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def _time_stamp(root) -> None:
    """Adds a signature time-stamp (XAdES-T) over the canonical signature value."""
    ds, xades = "{http://www.w3.org/2000/09/xmldsig#}", "{http://uri.etsi.org/01903/v1.3.2#}"
    value = etree.tostring(root.find(f".//{ds}SignatureValue"), method="c14n")
    time_stamper = DummyTimeStamper(pki.tsa().asn1_certificate, pki.tsa().asn1_key)
    token = run_sync(time_stamper.async_timestamp(hashes_of(value), "sha256"))
    properties = root.find(f".//{xades}QualifyingProperties")
    unsigned_properties = etree.SubElement(properties, f"{xades}UnsignedProperties")
    unsigned = etree.SubElement(unsigned_properties, f"{xades}UnsignedSignatureProperties")
    stamp = etree.SubElement(unsigned, f"{xades}SignatureTimeStamp")
    etree.SubElement(stamp, f"{ds}CanonicalizationMethod", Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    etree.SubElement(stamp, f"{xades}EncapsulatedTimeStamp").text = base64.b64encode(token.dump()).decode()


def test_it_verifies_a_xades_signed_invoice(tmp_path):
    reports, found = verify_xmldsig(signed_xml(tmp_path), trust=NO_TRUST)

    (report,) = reports
    assert (report.kind, report.level, report.signer_tax_code, report.qualified) == (
        "XAdES",
        "BES",
        "RSSMRA80A01H501U",
        True,
    )
    assert report.signing_time_source == "dichiarato dal firmatario"
    assert (report.digest_algorithm, report.signature_algorithm) == ("sha256", "rsa_sha256")
    assert report.outcome == Outcome.INDETERMINATE
    assert [finding.code for finding in found] == [signatures.UNTRUSTED]


def test_it_verifies_a_plain_xmldsig(tmp_path):
    reports, found = verify_xmldsig(signed_xml(tmp_path, xades=False), trust=NO_TRUST)

    assert [(report.level, report.signer_name, report.outcome) for report in reports] == [
        ("", "Mario Rossi", Outcome.INDETERMINATE)
    ]


def test_it_dates_a_xades_t_signature_by_its_time_stamp(tmp_path):
    reports, found = verify_xmldsig(signed_xml(tmp_path, time_stamped=True), trust=NO_TRUST)

    (report,) = reports
    assert (report.level, report.signing_time_source) == ("T", "marca temporale")
    assert [finding.code for finding in found] == [signatures.UNTRUSTED]


def test_it_refuses_a_signed_xml_changed_after_signing(tmp_path):
    path = signed_xml(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"122.00", b"1122.00"))

    reports, found = verify_xmldsig(path, trust=NO_TRUST)

    assert [report.outcome for report in reports] == [Outcome.NOT_INTACT]
    assert [(finding.code, str(finding.level)) for finding in found] == [(signatures.NOT_INTACT, "ERRORE")]


def test_it_refuses_an_xml_signature_that_covers_only_a_part(tmp_path):
    reports, found = verify_xmldsig(signed_xml(tmp_path, xades=False, reference="#corpo"), trust=NO_TRUST)

    assert [report.outcome for report in reports] == [Outcome.NOT_INTACT]
    assert [finding.code for finding in found] == [signatures.PARTIAL]


def test_it_finds_no_signature_in_an_unsigned_xml(tmp_path):
    path = tmp_path / "fattura.xml"
    path.write_bytes(INVOICE)

    assert verify_xmldsig(path, trust=NO_TRUST) == ((), ())


def test_it_refuses_an_xml_that_looks_signed_but_cannot_be_read(tmp_path):
    broken_signed = tmp_path / "firmata.xml"
    broken_signed.write_bytes(signed_xml(tmp_path).read_bytes()[:-20])
    badly_encoded = tmp_path / "codifica.xml"
    badly_encoded.write_bytes(broken_signed.read_bytes().replace(b"<Numero>", b"<Numero>\xff\xfe"))
    broken = tmp_path / "fattura.xml"
    broken.write_bytes(INVOICE[:-20])

    assert verify_xmldsig(broken, trust=NO_TRUST) == ((), ())
    for path in (broken_signed, badly_encoded):
        assert [finding.code for finding in verify_xmldsig(path, trust=NO_TRUST)[1]] == [xades.UNREADABLE]
