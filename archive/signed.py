"""The document inside a signed file (.p7m: CAdES, a CMS SignedData), DER or base64-encoded.

Only the envelope is read here: that it parses, names at least one signer and carries its content.
Checking the signers' certificates against the trusted lists is left to the preservation process.
"""

import base64
import binascii

from asn1crypto import cms
from django.utils.translation import gettext as _

from archive.errors import ArchiveError

DER_SEQUENCE = b"\x30"
# What asn1crypto raises on bytes that are not the structure they claim to be.
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


def signed_content(data: bytes) -> bytes:
    der = data if data[:1] == DER_SEQUENCE else _base64(data)
    try:
        envelope = cms.ContentInfo.load(der, strict=True)
        if envelope["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed = envelope["content"]
        signers = len(signed["signer_infos"])
        content = signed["encap_content_info"]["content"].native
    except PARSE_ERRORS:
        raise ArchiveError(
            _("La busta di firma (.p7m) non è leggibile: il file è danneggiato o non è firmato.")
        ) from None
    if not signers:
        raise ArchiveError(_("La busta di firma (.p7m) non contiene alcuna firma."))
    if not content:
        raise ArchiveError(_("La busta di firma (.p7m) non contiene il documento firmato."))
    return bytes(content)


def _base64(data: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ArchiveError(
            _("La busta di firma (.p7m) non è leggibile: il file è danneggiato o non è firmato.")
        ) from None
