"""manage.py trust_lists_refresh and the trust it puts in force, offline: a test EU list of trusted lists
signed by a test key, pointing at a test Italian list signed by another, whose qualified CA is the signature
tests' root (tests/archive/ingest/pki.py); both signed as the EU signs them, with an enveloped signature."""

import base64
import datetime
import functools
import hashlib
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.urls import reverse
from lxml import etree
from lxml.builder import ElementMaker
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from archive.ingest import tsl
from archive.ingest.signatures import NO_TRUST
from archive.models import TrustedListSnapshot
from archive.trust_lists import trust_in_force
from tests.archive.conftest import deposit
from tests.archive.ingest import pki
from tests.archive.ingest.test_signatures import DOCUMENT, with_crl
from tests.archive.ingest.test_signatures import signed as cades_signed

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
EIDAS = datetime.datetime(2016, 7, 1, tzinfo=datetime.UTC)
WITHDRAWN = tsl.STATUS + "withdrawn"
T = ElementMaker(namespace=tsl.NS, nsmap={None: tsl.NS})
A = ElementMaker(namespace=tsl.ADDITIONAL_TYPES, nsmap={"tsl-a": tsl.ADDITIONAL_TYPES})


def signing_moment() -> datetime.datetime:
    """When the test signer signs, proved by a time-stamp: within its certificate's validity, whenever
    the session made it (a frozen clock or the real one)."""
    return pki.rossi().certificate.not_valid_before_utc + DAY


@functools.cache
def lotl_signer() -> pki.Party:
    return _self_signed("Test List of Trusted Lists Signer")


@functools.cache
def italian_signer() -> pki.Party:
    return _self_signed("Test Italian Trusted List Signer")


@functools.cache
def stranger() -> pki.Party:
    return _self_signed("Someone Else")


def _self_signed(name: str) -> pki.Party:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - 3650 * DAY)
        .not_valid_after(now + 3650 * DAY)
        .sign(key, hashes.SHA256())
    )
    return pki.Party(key, certificate)


def scheme(territory: str, *more, issued_at: datetime.datetime, sequence_number: int = 1):
    return T.SchemeInformation(
        T.TSLVersionIdentifier("5"),
        T.TSLSequenceNumber(str(sequence_number)),
        T.SchemeTerritory(territory),
        *more,
        T.ListIssueDateTime(issued_at.isoformat()),
        T.NextUpdate(T.dateTime((issued_at + 180 * DAY).isoformat())),
    )


def pointer(location: Path, territory: str, *signers: pki.Party, mime_type: str = tsl.LIST_MIME_TYPE):
    return T.OtherTSLPointer(
        T.ServiceDigitalIdentities(
            *(T.ServiceDigitalIdentity(T.DigitalId(T.X509Certificate(_base64(signer.der)))) for signer in signers)
        ),
        T.TSLLocation(str(location)),
        T.AdditionalInformation(
            T.OtherInformation(T.SchemeTerritory(territory)), T.OtherInformation(A.MimeType(mime_type))
        ),
    )


def lotl(italian_list: Path, *signers: pki.Party) -> bytes:
    """The EU's list: a pointer to the Italian list in XML (signed by `signers`), one to its PDF, one to itself."""
    pointers = [
        pointer(italian_list, "IT", *(signers or (italian_signer(),))),
        pointer(italian_list.with_suffix(".pdf"), "IT", italian_signer(), mime_type="application/pdf"),
        pointer(italian_list.with_name("eu-lotl.xml"), "EU", lotl_signer()),
    ]
    information = scheme("EU", T.PointersToOtherTSL(*pointers), issued_at=signing_moment() - 30 * DAY)
    return signed(T.TrustServiceStatusList(information, TSLTag="http://uri.etsi.org/19612/TSLTag"), lotl_signer())


def italian(
    *statuses: tuple[str, datetime.datetime],
    issued_at: datetime.datetime | None = None,
    sequence_number: int = 1,
    signer: pki.Party | None = None,
) -> bytes:
    """The Italian list, the test root its one CA/QC service, with `statuses` newest first (granted
    since eIDAS if none): the first is its current status, the others its history."""
    (current_status, current_since), *history = statuses or [(tsl.GRANTED, EIDAS)]
    identity = T.ServiceDigitalIdentity(T.DigitalId(T.X509Certificate(_base64(pki.root().der))))
    service = T.TSPService(
        T.ServiceInformation(*_status(current_status, current_since, identity)),
        T.ServiceHistory(
            *(
                T.ServiceHistoryInstance(*_status(status, since, T.ServiceDigitalIdentity()))
                for status, since in history
            )
        ),
    )
    provider = T.TrustServiceProvider(T.TSPInformation(T.TSPName(T.Name("Conserva Test"))), T.TSPServices(service))
    information = scheme("IT", issued_at=issued_at or signing_moment() - 10 * DAY, sequence_number=sequence_number)
    root = T.TrustServiceStatusList(information, T.TrustServiceProviderList(provider))
    return signed(root, signer or italian_signer())


def _status(status: str, since: datetime.datetime, identity) -> list:
    return [
        T.ServiceTypeIdentifier(tsl.CA_QC),
        T.ServiceName(T.Name("Conserva Test Root CA")),
        identity,
        T.ServiceStatus(status),
        T.StatusStartingTime(since.isoformat()),
    ]


def signed(root, party: pki.Party) -> bytes:
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed_root = signer.sign(root, key=party.key, cert=[party.certificate])
    return etree.tostring(signed_root, xml_declaration=True, encoding="UTF-8")


def _base64(der: bytes) -> str:
    return base64.b64encode(der).decode()


@pytest.fixture
def lists(tmp_path) -> dict[str, Path]:
    """The EU's list and the Italian one, in files; the certificates pinned for the EU's, in a PEM file."""
    paths = {"lotl": tmp_path / "eu-lotl.xml", "it": tmp_path / "TSL-IT.xml", "pinned": tmp_path / "pinned.pem"}
    paths["lotl"].write_bytes(lotl(paths["it"]))
    paths["it"].write_bytes(italian())
    paths["pinned"].write_bytes(lotl_signer().pem)
    return paths


def refresh(lists: dict[str, Path], *territories: str) -> str:
    """Runs the command as an operator does; what it printed."""
    out = io.StringIO()
    call_command("trust_lists_refresh", *_options(lists, territories), stdout=out)
    return out.getvalue()


def refused(lists: dict[str, Path], *territories: str) -> str:
    """Runs the command, which must fail; what it said on its error output."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="trusted lists refused"):
        call_command("trust_lists_refresh", *_options(lists, territories), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def _options(lists: dict[str, Path], territories: tuple[str, ...]) -> list[str]:
    territory_options = [f"--territory={territory}" for territory in territories or ("IT",)]
    return [f"--lotl={lists['lotl']}", f"--pinned={lists['pinned']}", *territory_options]


def stored() -> list[tuple[str, str, str]]:
    return list(TrustedListSnapshot.objects.order_by("pk").values_list("kind", "territory", "signer"))


# Refreshing the lists


def test_it_stores_the_eu_list_and_the_italian_list_it_points_at(lists):
    output = refresh(lists)

    assert stored() == [
        ("LOTL", "EU", "CN=Test List of Trusted Lists Signer"),
        ("NAZIONALE", "IT", "CN=Test Italian Trusted List Signer"),
    ]
    italian_list = TrustedListSnapshot.objects.get(territory="IT")
    assert italian_list.sha256 == hashlib.sha256(lists["it"].read_bytes()).hexdigest()
    assert italian_list.xml.encode() == lists["it"].read_bytes()
    assert (italian_list.source, italian_list.sequence_number) == (str(lists["it"]), 1)
    assert italian_list.issued_at == signing_moment() - 10 * DAY
    assert italian_list.next_update == italian_list.issued_at + 180 * DAY
    assert "2 new lists stored, 0 refused." in output


def test_it_keeps_the_same_list_once(lists):
    refresh(lists)

    output = refresh(lists)

    assert TrustedListSnapshot.objects.count() == 2
    assert "0 new lists stored, 0 refused." in output


def test_it_keeps_each_new_issue_of_a_list(lists):
    refresh(lists)
    lists["it"].write_bytes(italian(sequence_number=2, issued_at=signing_moment() - DAY))

    refresh(lists)

    assert list(TrustedListSnapshot.objects.filter(territory="IT").values_list("sequence_number", flat=True)) == [2, 1]


def test_it_refuses_a_list_changed_after_signing_and_keeps_the_others(lists):
    lists["it"].write_bytes(lists["it"].read_bytes().replace(b"Conserva Test Root CA", b"Conserva Test Root CB"))

    error = refused(lists)

    assert f"refused {lists['it']}: it was changed after it was signed" in error
    assert stored() == [("LOTL", "EU", "CN=Test List of Trusted Lists Signer")]


def test_it_refuses_a_national_list_signed_by_a_key_its_pointer_does_not_name(lists):
    lists["it"].write_bytes(italian(signer=stranger()))

    error = refused(lists)

    assert "its signature does not hold with any certificate expected to sign it" in error
    assert "(CN=Test Italian Trusted List Signer); it names as its signer CN=Someone Else" in error
    assert TrustedListSnapshot.objects.filter(territory="IT").count() == 0


def test_it_refuses_an_eu_list_not_signed_by_a_pinned_certificate(lists):
    lists["pinned"].write_bytes(stranger().pem)

    error = refused(lists)

    assert "it names as its signer CN=Test List of Trusted Lists Signer" in error
    assert stored() == []


def test_it_reports_a_territory_the_eu_list_does_not_point_at(lists):
    error = refused(lists, "IT", "FR")

    assert error == "refused FR: the list of trusted lists points at no XML list of this territory\n"
    assert stored()[1:] == [("NAZIONALE", "IT", "CN=Test Italian Trusted List Signer")]


def test_it_refuses_a_list_with_a_doctype():
    with pytest.raises(tsl.TrustedListError, match="DOCTYPE"):
        tsl.read_signed(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', signers=[lotl_signer().certificate])


def test_it_says_when_the_trusted_lists_are_not_configured(settings):
    settings.ARCHIVE_TRUST_LOTL_URL = ""
    settings.ARCHIVE_TRUST_LOTL_CERTIFICATES = ""

    with pytest.raises(CommandError, match="not configured"):
        call_command("trust_lists_refresh")


def test_an_operator_sees_the_snapshots_and_cannot_change_them(admin_client, lists):
    refresh(lists)
    italian_list = TrustedListSnapshot.objects.get(territory="IT")

    listed = admin_client.get(reverse("admin:archive_trustedlistsnapshot_changelist"))
    shown = admin_client.get(reverse("admin:archive_trustedlistsnapshot_change", args=[italian_list.pk]))

    assert listed.status_code == shown.status_code == 200
    assert "CN=Test Italian Trusted List Signer" in listed.content.decode()
    assert italian_list.sha256 in shown.content.decode()
    assert 'name="_save"' not in shown.content.decode()
    assert admin_client.get(reverse("admin:archive_trustedlistsnapshot_add")).status_code == 403


# The trust in force


def test_it_trusts_no_one_without_a_stored_list():
    assert trust_in_force() is NO_TRUST


def test_it_trusts_the_qualified_cas_of_the_lists_and_reads_their_status_from_the_list_in_force(lists):
    refresh(lists)  # issued ten days before the signing moment: granted since eIDAS
    lists["it"].write_bytes(italian((WITHDRAWN, EIDAS), issued_at=signing_moment() + 10 * DAY, sequence_number=2))
    refresh(lists)

    trust = trust_in_force()

    assert trust.roots == (pki.root().der,)
    assert trust.qualified(pki.root().der, signing_moment()) is True
    assert trust.qualified(pki.root().der, signing_moment() + 20 * DAY) is False
    assert trust.qualified(pki.root().der, signing_moment() - 20 * DAY) is True  # before any list: the oldest
    assert trust.qualified(stranger().der, signing_moment()) is None


def test_it_finds_a_signature_valid_and_qualified_against_the_lists_in_force(lists, service):
    refresh(lists)

    report = deposited_signature(service)

    assert (report["outcome"], report["reason"], report["qualified"]) == ("VALIDA", "", True)
    assert (report["signing_time"], report["signing_time_source"]) == (signing_moment().isoformat(), "marca temporale")


def test_it_finds_a_signature_not_qualified_when_its_ca_was_withdrawn_before_it_was_made(lists, service):
    lists["it"].write_bytes(italian((WITHDRAWN, signing_moment() - 5 * DAY), (tsl.GRANTED, EIDAS)))
    refresh(lists)

    report = deposited_signature(service)

    # Still a trust root: the chain holds, the list says the CA no longer issued qualified certificates.
    assert (report["outcome"], report["qualified"]) == ("VALIDA", False)


def deposited_signature(service) -> dict:
    """Deposits a .p7m the test signer signed at the signing moment, time-stamped and with the CA's
    revocation list then, as a long-term signature carries it; its signature's report."""
    envelope = with_crl(cades_signed(DOCUMENT, time_stamped=True, stamped_at=signing_moment()), at=signing_moment())
    document = deposit(service, {"contratto.txt.p7m": envelope}).documents.get()
    assert document.warnings() == []
    (report,) = document.signatures
    return report
