"""Signed notifications: HMAC-SHA256 over the timestamp and the raw body, like big gateways do.

The header reads "t=<unix time>,v1=<hex digest>". A signature older or newer than the tolerance
is refused, so a captured notification cannot be replayed later.
"""

import hashlib
import hmac


class SignatureError(Exception):
    """The notification is not signed with our secret, or not recently: it must not be acted on."""


HEADER = "Conserva-Signature"
TOLERANCE_SECONDS = 5 * 60


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(*, secret: str, body: bytes, header: str, now: int) -> None:
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise SignatureError("missing or malformed signature header") from None
    if not given.isascii():  # compare_digest takes no other text
        raise SignatureError("missing or malformed signature header")
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("signature timestamp outside the 5 minute tolerance")
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise SignatureError("bad signature")
