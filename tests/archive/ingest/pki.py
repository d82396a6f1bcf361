"""A small public-key infrastructure for the signature tests, made once a session: a root CA, two
signers with Italian qualified-certificate subjects, one whose certificate has expired, and a
time-stamping authority. Nothing is fetched from the network."""

import datetime
import functools
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")
# SEQUENCE { SEQUENCE { id-etsi-qcs-QcCompliance (0.4.0.1862.1.1) } }
QC_COMPLIANCE = bytes.fromhex("300a3008060604008e460101")
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Party:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def asn1_certificate(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.der)

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


@functools.cache
def root() -> Party:
    key = _key()
    name = _name(NameOID.COMMON_NAME, "Conserva Test Root CA", NameOID.ORGANIZATION_NAME, "Conserva Test")
    builder = (
        _builder(name, name, key.public_key(), since=-3650, until=3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return Party(key, builder.sign(key, hashes.SHA256()))


@functools.cache
def rossi() -> Party:
    return _signer("Mario", "Rossi", "TINIT-RSSMRA80A01H501U", since=-30, until=365)


@functools.cache
def bianchi() -> Party:
    return _signer("Giulia", "Bianchi", "TINIT-BNCGLI85M41F205Z", since=-30, until=365)


@functools.cache
def expired() -> Party:
    """Mario Rossi's previous certificate, valid last year."""
    return _signer("Mario", "Rossi", "TINIT-RSSMRA80A01H501U", since=-395, until=-30)


@functools.cache
def tsa() -> Party:
    key = _key()
    name = _name(NameOID.COMMON_NAME, "Conserva Test TSA", NameOID.ORGANIZATION_NAME, "Conserva Test")
    builder = (
        _issued(name, key, since=-365, until=365)
        .add_extension(_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    return Party(key, builder.sign(root().key, hashes.SHA256()))


def crl(*, revoked: tuple[Party, ...] = (), at: datetime.datetime | None = None) -> bytes:
    """The root's list of revoked certificates, issued an hour before `at` (now, if not given)."""
    now = at or datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root().certificate.subject)
        .last_update(now - datetime.timedelta(hours=1))
        .next_update(now + 7 * DAY)
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root().key.public_key()), critical=False)
    )
    for party in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(party.certificate.serial_number)
            .revocation_date(now - DAY)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(root().key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _signer(given_name: str, surname: str, serial_number: str, *, since: int, until: int) -> Party:
    key = _key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"),
        ]
    )
    builder = (
        _issued(name, key, since=since, until=until)
        .add_extension(_usage(non_repudiation=True), critical=True)
        .add_extension(x509.UnrecognizedExtension(QC_STATEMENTS, QC_COMPLIANCE), critical=False)
    )
    return Party(key, builder.sign(root().key, hashes.SHA256()))


def _issued(name: x509.Name, key: rsa.RSAPrivateKey, *, since: int, until: int) -> x509.CertificateBuilder:
    """A certificate the root issues."""
    return _builder(name, root().certificate.subject, key.public_key(), since=since, until=until).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(root().key.public_key()), critical=False
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey, *, since: int, until: int
) -> x509.CertificateBuilder:
    """A certificate valid from `since` days from now (negative: ago) until `until` days from now."""
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + since * DAY)
        .not_valid_after(now + until * DAY)
    )


def _name(*pairs: object) -> x509.Name:
    oids, values = pairs[::2], pairs[1::2]
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "IT")]
        + [x509.NameAttribute(oid, str(value)) for oid, value in zip(oids, values, strict=True)]  # type: ignore[arg-type]
    )


def _usage(**granted: bool) -> x509.KeyUsage:
    usages = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    granted = {("content_commitment" if name == "non_repudiation" else name): value for name, value in granted.items()}
    return x509.KeyUsage(**{usage: granted.get(usage, False) for usage in usages})


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
