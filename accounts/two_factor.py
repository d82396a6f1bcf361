"""Two-factor authentication: an authenticator app (TOTP) and single-use recovery codes, kept by
django-otp. Optional for customers, required for operators in the back-office (conserva/admin_site.py).

A user has two factors once their authenticator device is confirmed, that is once they have typed
a valid code from it; the recovery codes live on a static device beside it."""

from base64 import b32encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # type: ignore[import-untyped,unused-ignore]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped,unused-ignore]

from accounts.models import User
from audit import trail
from audit.models import AuditEntry
from lib import clock

ISSUER = "Conserva"
RECOVERY_CODES = 10
AUTHENTICATOR = "Authenticator"
RECOVERY = "Codici di recupero"


@dataclass(frozen=True)
class Verification:
    """The outcome of a second-factor code: the device that accepted it, if any, and why not."""

    device: TOTPDevice | StaticDevice | None
    throttled_for: int = 0  # seconds before another code may be tried

    @property
    def accepted(self) -> bool:
        return self.device is not None


def two_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None when two factors are off."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_is_on(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def two_factor_pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), made with a new secret if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def secret_for_humans(device: TOTPDevice) -> str:
    """The secret in base32, as authenticator apps ask it for manual entry, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_url(device: TOTPDevice) -> str:
    """The otpauth:// address the QR code carries (Key URI format, issuer "Conserva")."""
    label = quote(f"{ISSUER}:{device.user.email}")
    params = urlencode(
        {"secret": b32encode(device.bin_key).decode(), "issuer": ISSUER, "digits": device.digits, "period": device.step}
    )
    return f"otpauth://totp/{label}?{params}"


def qr_code_svg(device: TOTPDevice) -> str:
    """The QR code of setup_url as an inline SVG element (no XML declaration, no external file)."""
    qr = segno.make(setup_url(device), error="m")
    return qr.svg_inline(scale=5, border=4, light="#fff", title=ISSUER, svgclass="qr-code")


def two_factor_enable(*, user: User, token: str) -> list[str] | None:
    """Confirms the authenticator being set up if `token` is one of its codes: two factors are on,
    and the new recovery codes are returned (to be shown once). None when the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(_digits(token)):
            return None
        # Another authenticator (an earlier set-up) gives way to this one.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        trail.record(user, AuditEntry.Action.TWO_FACTOR_ENABLED, actor=user)
        _tell(user, _("la verifica in due passaggi del tuo account Conserva è stata attivata."))
    return codes


def two_factor_renew_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        trail.record(user, AuditEntry.Action.RECOVERY_CODES_RENEWED, actor=user)
        _tell(user, _("sono stati generati nuovi codici di recupero: quelli di prima non valgono più."))
    return codes


def two_factor_disable(*, user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        trail.record(user, AuditEntry.Action.TWO_FACTOR_DISABLED, actor=user)
        _tell(user, _("la verifica in due passaggi del tuo account Conserva è stata disattivata."))


def two_factor_check(*, user: User, token: str, recovery: bool = True) -> Verification:
    """Checks a code from the authenticator or, if `recovery`, a recovery code (used up at once).
    django-otp throttles each device: after a wrong code the next try waits 1, 2, 4… seconds.
    A wrong code is written to the trail as SECOND_FACTOR_FAILED, a recovery code used as
    RECOVERY_CODE_USED."""
    token = token.strip().replace(" ", "").lower()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return Verification(None)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return Verification(None, throttled_for=_seconds_left(details))
        if token.isdigit() and device.verify_token(token):
            return Verification(device)
        recovery_device = StaticDevice.objects.select_for_update().filter(user=user).first() if recovery else None
        if recovery_device is not None and not token.isdigit() and recovery_device.verify_token(token):
            device.throttle_reset()
            trail.record(user, AuditEntry.Action.RECOVERY_CODE_USED, actor=user, left=recovery_device.token_set.count())
            return Verification(recovery_device)
        if token and not token.isdigit():  # the authenticator's throttle counts every wrong code
            device.throttle_increment()
    trail.record(user, AuditEntry.Action.SECOND_FACTOR_FAILED, actor=user)
    return Verification(None)


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user).count())


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY, "confirmed": True})
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        code = StaticToken.random_token()
        if not code.isdigit() and code not in codes:  # all digits would read as an authenticator code
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _tell(user: User, what: str) -> None:
    """A mail to the owner after each change of the second factor, once the change is committed."""
    body = render_to_string("accounts/email/two_factor_changed.txt", {"what": what, "email": user.email})
    subject = _("Conserva: verifica in due passaggi modificata")
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def _digits(token: str) -> str:
    return token.strip().replace(" ", "")


def _seconds_left(details: dict[str, Any] | None) -> int:
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, int((locked_until - clock.now()).total_seconds() + 0.999))
