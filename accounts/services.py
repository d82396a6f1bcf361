import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from accounts.events import EmailVerificationRequested, SignUpWithKnownEmail
from accounts.models import Customer, User
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from lib import clock, events

# At most one mail of each kind (a verification link, a "someone signed up with your address")
# per address in this time: a form posted again and again cannot flood its owner's mailbox.
ACCOUNT_MAIL_INTERVAL = datetime.timedelta(minutes=5)
_VERIFICATION_SALT = "conserva.accounts.email_verification"


class EmailVerificationError(Exception):
    """A verification link that cannot verify; the message says why and what to do."""


@transaction.atomic
def customer_sign_up(*, email: str, password: str, company: dict[str, Any], email_verified: bool = False) -> Customer:
    """A new account and its customer. Its address is not verified unless the caller knows it
    (the demo's customers, the tests'): the public sign-up goes through customer_sign_up_request."""
    verified_at = clock.now() if email_verified else None
    user = User.objects.create_user(email=email, password=password, email_verified_at=verified_at)
    customer = Customer.objects.create(user=user, **company)
    trail.record(customer, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=user, email=user.email)
    return customer


def customer_sign_up_request(*, email: str, password: str, company: dict[str, Any]) -> Customer | None:
    """The public sign-up, which must not tell whether an address has an account: a new address
    gets its account (not verified) and the link that verifies it; a known one gets no account,
    and its owner a mail saying someone tried. None in that case; the visitor sees the same page."""
    email = email.lower()
    try:
        with transaction.atomic():
            if not _has_account(email):
                customer = customer_sign_up(email=email, password=password, company=company)
                _claim_mail_slot(customer.user, "email_verification_sent_at")
                events.publish(EmailVerificationRequested(user=customer.user))
                return customer
    except IntegrityError:
        pass  # the same address signed up a moment ago (a double click): it is known now
    known = User.objects.filter(email__iexact=email).first()
    if known is None:
        raise RuntimeError(f"Signing up {email!r} failed, and no account has the address.")
    make_password(password)  # the work a new account's hashing costs: the answer's time tells less
    if _claim_mail_slot(known, "sign_up_notice_sent_at"):
        events.publish(SignUpWithKnownEmail(user=known))
    return None


def _has_account(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def _claim_mail_slot(user: User, field: str) -> bool:
    """Marks a mail of this kind as sent now, unless one left less than ACCOUNT_MAIL_INTERVAL ago:
    one conditional UPDATE, so that two requests at once cannot both claim it."""
    now = clock.now()
    recent = models.Q(**{f"{field}__gt": now - ACCOUNT_MAIL_INTERVAL})
    claimed = User.objects.filter(pk=user.pk).exclude(recent).update(**{field: now})
    if claimed:
        setattr(user, field, now)
    return bool(claimed)


def email_verification_token(user: User) -> str:
    """The signed part of the link that verifies the user's address, valid for
    EMAIL_VERIFICATION_MAX_AGE seconds and only for the address it was made for."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=_VERIFICATION_SALT)


def email_verification_user(token: str) -> User:
    """The user a verification link is for; EmailVerificationError if it is broken, expired or
    made for an address the account no longer has."""
    try:
        payload = signing.loads(token, salt=_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailVerificationError(_("Il link è scaduto: accedi e chiedine uno nuovo.")) from None
    except signing.BadSignature:
        raise EmailVerificationError(_("Il link non è valido: copialo per intero dal messaggio.")) from None
    user = User.objects.filter(pk=payload.get("user"), email=payload.get("email")).first()
    if user is None:
        raise EmailVerificationError(_("Il link non è valido: copialo per intero dal messaggio."))
    return user


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Marks the address of the link's user verified; a link opened again changes nothing."""
    user = User.objects.select_for_update().get(pk=email_verification_user(token).pk)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        user.save(update_fields=["email_verified_at"])
        trail.record(user, AuditEntry.Action.EMAIL_VERIFIED, actor=user, email=user.email)
    return user


@transaction.atomic
def email_verification_resend(*, user: User) -> bool:
    """Mails the verification link again; False when the address is verified already or a link
    left less than ACCOUNT_MAIL_INTERVAL ago."""
    if user.is_email_verified or not _claim_mail_slot(user, "email_verification_sent_at"):
        return False
    events.publish(EmailVerificationRequested(user=user))
    return True


@transaction.atomic
def customer_update_details(*, customer_id: int, details: dict[str, Any], actor: Actor) -> Customer:
    """New fiscal data and preferences: the next invoice uses them, issued ones keep theirs."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    changed = {field: value for field, value in details.items() if getattr(customer, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(customer, field, value)
        customer.save(update_fields=list(changed))
        trail.record(customer, AuditEntry.Action.CUSTOMER_DETAILS_CHANGED, actor=actor, **changed)
    return customer
