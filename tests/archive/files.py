"""Real files for the archive's tests, made here: a PDF by reportlab, FatturaPA by billing, ZIPs by
zipfile, signed files by cryptography, as a signing device would make them."""

import datetime
import io
import stat
import struct
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from billing.models import Invoice


def pdf(text: str = "Documento di prova") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def invoice_xml(customer) -> bytes:
    """The FatturaPA the project issued to `customer` (cast.active_service pays one)."""
    return Invoice.objects.filter(customer=customer).order_by("pk").first().xml.encode()


def zipped(entries: dict[str, bytes], *, encrypted: set[str] = frozenset(), links: set[str] = frozenset()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return _marked_encrypted(bytearray(buffer.getvalue()), encrypted)


def _marked_encrypted(data: bytearray, names: set[str]) -> bytes:
    """Sets the "encrypted" flag, as ZipCrypto writes it, on the named entries' local and central
    headers (zipfile cannot write encrypted entries; the archive refuses on that flag)."""
    for info in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist():
        if info.filename in names:
            data[info.header_offset + 6] |= 0x1
    end = data.rfind(b"PK\x05\x06")
    position = int.from_bytes(data[end + 16 : end + 20], "little")
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[position + 28 : position + 34])
        if data[position + 46 : position + 46 + name_length].decode() in names:
            data[position + 8] |= 0x1
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def signed(content: bytes) -> bytes:
    """A CAdES-like .p7m: DER CMS SignedData carrying `content`, signed with a fresh key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mario Rossi")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
