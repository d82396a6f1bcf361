"""Two-factor authentication: an authenticator app (TOTP) and single-use recovery codes, kept by
django-otp. Optional for customers, required for operators in the back-office (conserva/admin_site.py).

A user has two factors once their authenticator device is confirmed, that is once they have typed
a valid code from it; the recovery codes live on a static device beside it.

An operator's first authenticator is set up only after the mailbox is proved: the password step
mails a signed link (enrolment_link_token), valid 30 minutes and once, whose use makes the
device to set up (enrolment_device). Whoever learnt the password alone cannot set one up.

Each change (on, off, new recovery codes) ends the user's other sessions."""

from base64 import b32encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # type: ignore[import-untyped,unused-ignore]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped,unused-ignore]

from accounts.models import Customer, User
from audit import trail
from audit.models import AuditEntry
from lib import clock

# Where a security event came from (accounts.security_events.origin): the client's address and browser.
Origin = dict[str, str]

ISSUER = "Conserva"
RECOVERY_CODES = 10
AUTHENTICATOR = "Authenticator"
RECOVERY = "Codici di recupero"
ENROLMENT_LINK_FOR = 30 * 60  # seconds an operator's set-up link is valid
_ENROLMENT_SALT = "conserva.accounts.two_factor.enrolment"


class TwoFactorError(Exception):
    """A change of the second factor that is refused; its message is for the user."""


def normalise_code(value: str) -> str:
    """A code as typed (spaces, dashes, any case) in the form the devices compare."""
    return value.strip().replace(" ", "").replace("-", "").lower()


def throttled_message() -> str:
    return _("Troppi tentativi: attendi qualche secondo e riprova.")


@dataclass(frozen=True)
class Verification:
    """The outcome of a second-factor code: the device that accepted it, if any, and why not."""

    device: TOTPDevice | StaticDevice | None
    throttled_for: int = 0  # seconds before another code may be tried

    @property
    def accepted(self) -> bool:
        return self.device is not None

    def refusal(self) -> str:
        """Why the code was not accepted, for the user."""
        return throttled_message() if self.throttled_for else _("Il codice non è corretto o è scaduto.")


def two_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None when two factors are off."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), made with a new secret if there is none.
    Customers only: an operator's comes from enrolment_device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


# An operator's first set-up, after proving the mailbox


def enrolment_needs_mailbox(user: User) -> bool:
    """Operators prove their mailbox before setting up their first authenticator."""
    return bool(user.is_staff)


def enrolment_link_token(user: User) -> str:
    """A signed token for the set-up link mailed to an operator: 30 minutes, and once (it is bound
    to the user's latest device, which its use changes)."""
    return signing.dumps({"user": user.pk, "state": _enrolment_state(user)}, salt=_ENROLMENT_SALT, compress=True)


def enrolment_device(*, user: User, token: str) -> TOTPDevice:
    """Uses a set-up link: a new authenticator to set up (any earlier one unconfirmed is dropped).
    TwoFactorError if the link is not this user's, has expired or was used."""
    try:
        data = signing.loads(token, salt=_ENROLMENT_SALT, max_age=ENROLMENT_LINK_FOR)
    except signing.SignatureExpired:
        raise TwoFactorError(_("Il link è scaduto: accedi di nuovo per riceverne un altro.")) from None
    except signing.BadSignature:
        raise TwoFactorError(_("Il link non è valido: accedi di nuovo per riceverne un altro.")) from None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not isinstance(data, dict) or data.get("user") != user.pk or data.get("state") != _enrolment_state(locked):
            raise TwoFactorError(_("Il link non è valido o è già stato usato: accedi di nuovo per riceverne un altro."))
        if two_factor_device(user) is not None:
            raise TwoFactorError(_("La verifica in due passaggi è già attiva."))
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def enrolment_link_send(*, user: User, link: str) -> None:
    """Mails the set-up link to the operator, once the sign-in is committed."""
    context = {"link": link, "email": user.email, "minutes": ENROLMENT_LINK_FOR // 60}
    body = render_to_string("accounts/email/two_factor_enrolment.txt", context)
    subject = _("Conserva: attiva la verifica in due passaggi")
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def enrolling_device(user: User, device_id: object) -> TOTPDevice | None:
    """The authenticator an operator's set-up link made (its id kept in their session), if still unconfirmed."""
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()


def _enrolment_state(user: User) -> str:
    """What a set-up link is bound to, as a password-reset token is: the user's latest device (its
    use makes a new one), their address and password. A digest: the token shows none of them."""
    latest = TOTPDevice.objects.filter(user=user).order_by("-pk").values_list("pk", flat=True).first()
    return salted_hmac(_ENROLMENT_SALT, f"{latest or 0}:{user.email}:{user.password}", algorithm="sha256").hexdigest()


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


def two_factor_enable(
    *, user: User, token: str, device_id: int | None = None, origin: Origin | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirms the authenticator being set up (the one `device_id` names, if given) if `token` is
    one of its codes: two factors are on, the user's other sessions end, and the new recovery codes
    are returned (to be shown once). TwoFactorError while throttled, or when the code is wrong."""
    with transaction.atomic():
        pending = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
        if device_id is not None:
            pending = pending.filter(pk=device_id)
        device = pending.order_by("pk").first()
        if device is None:
            refusal = _("Nessuna configurazione in corso: ricarica la pagina e riprova.")
        elif not device.verify_is_allowed()[0]:
            refusal = throttled_message()
        elif not device.verify_token(normalise_code(token)):  # a wrong code counts for the throttle: kept
            refusal = _("Il codice non è corretto: controlla l'ora del telefono e riprova.")
        else:
            refusal = ""
            # Another authenticator (an earlier set-up) gives way to this one.
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            user.end_all_sessions()
            trail.record(user, AuditEntry.Action.TWO_FACTOR_ENABLED, actor=user, **(origin or {}))
            _tell(user, gettext_lazy("la verifica in due passaggi del tuo account Conserva è stata attivata."))
    if refusal:
        raise TwoFactorError(refusal)
    return device, codes


def two_factor_renew_recovery_codes(*, user: User, token: str | None = None, origin: Origin | None = None) -> list[str]:
    """New recovery codes, against a current code of the authenticator (unless `token` is None, for
    the caller that checked already); the old ones stop working and the other sessions end."""
    if token is not None:
        result = two_factor_check(user=user, token=token, recovery=False, origin=origin)
        if not result.accepted:
            raise TwoFactorError(result.refusal())
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        user.end_all_sessions()
        trail.record(user, AuditEntry.Action.RECOVERY_CODES_RENEWED, actor=user, **(origin or {}))
        _tell(user, gettext_lazy("sono stati generati nuovi codici di recupero: quelli di prima non valgono più."))
    return codes


def two_factor_turn_off(*, user: User, password: str, code: str, origin: Origin | None = None) -> None:
    """A customer turns two factors off with the password or a current code, both under the
    authenticator's throttle so that neither can be guessed. Operators cannot."""
    if user.is_staff:
        raise TwoFactorError(_("Per gli operatori la verifica in due passaggi è obbligatoria."))
    device = two_factor_device(user)
    if device is None:
        raise TwoFactorError(_("La verifica in due passaggi non è attiva."))
    if not device.verify_is_allowed()[0]:
        raise TwoFactorError(throttled_message())
    if not (password and user.check_password(password)):
        if code:
            accepted = two_factor_check(
                user=user, token=code, recovery=False, origin=origin
            ).accepted  # a wrong one counts
        else:
            accepted = False
            device.throttle_increment()  # a wrong password counts as a wrong code
        if not accepted:
            raise TwoFactorError(_("La password o il codice non sono corretti."))
    two_factor_disable(user=user, origin=origin)


def two_factor_disable(*, user: User, actor: User | None = None, origin: Origin | None = None) -> None:
    """Two factors off: the devices go, the user's other sessions end. `actor` is the operator who
    reset them for someone who lost the phone (the lost-phone procedure), else the user."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.end_all_sessions()
        trail.record(user, AuditEntry.Action.TWO_FACTOR_DISABLED, actor=actor or user, **(origin or {}))
        if actor is None or actor == user:
            _tell(user, gettext_lazy("la verifica in due passaggi del tuo account Conserva è stata disattivata."))
        else:
            _tell(user, RESET_BY_OPERATOR)


def two_factor_check(*, user: User, token: str, recovery: bool = True, origin: Origin | None = None) -> Verification:
    """Checks a code from the authenticator or, if `recovery`, a recovery code (used up at once).
    django-otp throttles each device: after a wrong code the next try waits 1, 2, 4… seconds.
    A wrong code is written to the trail as SECOND_FACTOR_FAILED, a recovery code used as
    RECOVERY_CODE_USED."""
    token = normalise_code(token)
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
            trail.record(
                user,
                AuditEntry.Action.RECOVERY_CODE_USED,
                actor=user,
                left=recovery_device.token_set.count(),
                **(origin or {}),
            )
            return Verification(recovery_device)
        if token and not token.isdigit():  # the authenticator's throttle counts every wrong code
            device.throttle_increment()
    trail.record(user, AuditEntry.Action.SECOND_FACTOR_FAILED, actor=user, **(origin or {}))
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


RESET_BY_OPERATOR = gettext_lazy(
    "un operatore ha azzerato la verifica in due passaggi del tuo account Conserva, come si fa per chi ha perso "
    "il telefono: ora accedi con la sola password e, se vuoi, attivala di nuovo dal profilo."
)


def _tell(user: User, what: Promise) -> None:
    """A mail to the owner after each change of the second factor, once the change is committed,
    in the owner's language (an operator's action included)."""
    customer = Customer.objects.filter(user=user).only("language").first()
    with translation.override(customer.language if customer else settings.LANGUAGE_CODE):
        body = render_to_string("accounts/email/two_factor_changed.txt", {"what": str(what), "email": user.email})
        subject = _("Conserva: verifica in due passaggi modificata")
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def _seconds_left(details: dict[str, Any] | None) -> int:
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, int((locked_until - clock.now()).total_seconds() + 0.999))
