import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from accounts.events import EmailVerificationRequested, SignUpConfirmationRequested, SignUpWithKnownEmail
from accounts.models import Customer, PendingSignUp, User
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
def customer_sign_up(
    *,
    email: str,
    company: dict[str, Any],
    password: str | None = None,
    password_hash: str | None = None,
    email_verified: bool = False,
) -> Customer:
    """A new account and its customer, with a password or the hash a pending sign-up kept. Its
    address is not verified unless the caller knows it (the demo's customers, the tests', a
    confirmed sign-up): the public sign-up goes through customer_sign_up_request."""
    verified_at = clock.now() if email_verified else None
    user = User.objects.create_user(email=email, password=password, email_verified_at=verified_at)
    if password_hash is not None:
        user.password = password_hash
        user.save(update_fields=["password"])
    customer = Customer.objects.create(user=user, **company)
    trail.record(customer, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=user, email=user.email)
    return customer


def customer_sign_up_request(*, email: str, password: str, company: dict[str, Any]) -> PendingSignUp | None:
    """The public sign-up, which must not tell whether an address has an account, neither on its
    page nor at a sign-in afterwards: it makes no account. A new address gets a pending sign-up
    (replacing an earlier one: the latest wins) and a link to confirm it, which makes the account
    (pending_sign_up_confirm); a known one gets nothing, and its owner a mail saying someone tried.
    None in that case; the visitor sees the same page. Pending sign-ups past their age go now."""
    email = email.lower()
    password_hash = make_password(password)  # hashed for a known address too: the answer's time tells less
    now = clock.now()
    with transaction.atomic():
        PendingSignUp.objects.filter(created_at__lt=now - _link_age()).delete()
        known = User.objects.filter(email__iexact=email).first()
        if known is None:
            pending, _created = PendingSignUp.objects.update_or_create(
                email=email,
                defaults={
                    "password": password_hash,
                    "company": dict(company),
                    "language": company.get("language") or settings.LANGUAGE_CODE,
                    "created_at": now,
                },
            )
            if _claim_pending_mail_slot(pending, now):
                events.publish(SignUpConfirmationRequested(pending=pending))
            return pending
    if _claim_mail_slot(known, "sign_up_notice_sent_at"):
        events.publish(SignUpWithKnownEmail(user=known))
    return None


def _link_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE)


def _claim_pending_mail_slot(pending: PendingSignUp, now: datetime.datetime) -> bool:
    """As _claim_mail_slot: one link per ACCOUNT_MAIL_INTERVAL for an address. A sign-up again
    within it gets no new mail, and the link already mailed confirms its latest data."""
    recent = models.Q(mailed_at__gt=now - ACCOUNT_MAIL_INTERVAL)
    return bool(PendingSignUp.objects.filter(pk=pending.pk).exclude(recent).update(mailed_at=now))


def pending_sign_up_link_token(*, pending_id: int) -> str | None:
    """A new random token for the link that confirms this pending sign-up, kept only as its hash
    (the mail is the one place it is written); earlier links stop working. None if the sign-up
    is gone (confirmed or purged meanwhile)."""
    token = secrets.token_urlsafe(32)
    updated = PendingSignUp.objects.filter(pk=pending_id).update(token_hash=_token_hash(token), mailed_at=clock.now())
    return token if updated else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AddressTaken(EmailVerificationError):
    """The address of a pending sign-up has an account now: it is signed in to, not signed up with."""


def pending_sign_up_for(token: str) -> PendingSignUp:
    """The pending sign-up a link confirms; EmailVerificationError if it is broken, replaced by a
    newer link, or expired; AddressTaken if the address has an account meanwhile."""
    pending = PendingSignUp.objects.filter(token_hash=_token_hash(token)).first() if token else None
    if pending is None:
        raise EmailVerificationError(
            _("Il link non è valido: copialo per intero dall'ultimo messaggio che ti abbiamo scritto.")
        )
    if pending.mailed_at is None or pending.mailed_at < clock.now() - _link_age():
        raise EmailVerificationError(_("Il link è scaduto: registrati di nuovo."))
    if _has_account(pending.email):
        raise AddressTaken(_("Questo indirizzo ha già un account: accedi."))
    return pending


class WrongSignUpPassword(EmailVerificationError):
    """The password typed on the confirmation page is not the one chosen at sign-up."""


@transaction.atomic
def pending_sign_up_confirm(*, token: str, password: str) -> Customer:
    """The confirmed sign-up's account (its address verified now) and customer; the pending row
    goes. Two presses at once make one account: the second finds the row gone, or the address taken.

    The password chosen at sign-up is asked again: whoever signed up last with an address that is
    not theirs (the latest sign-up wins) cannot have its owner confirm an account whose password
    the stranger knows."""
    pending = PendingSignUp.objects.select_for_update().filter(pk=pending_sign_up_for(token).pk).first()
    if pending is None or pending.token_hash != _token_hash(token):
        raise AddressTaken(_("Questo indirizzo ha già un account: accedi."))
    if not check_password(password, pending.password):
        raise WrongSignUpPassword(
            _(
                "La password non è quella scelta alla registrazione. Se non ti sei registrato tu con questi "
                "dati, non confermare: registrati di nuovo con i tuoi."
            )
        )
    try:
        with transaction.atomic():
            customer = customer_sign_up(
                email=pending.email, password_hash=pending.password, company=pending.company, email_verified=True
            )
    except IntegrityError:
        raise AddressTaken(_("Questo indirizzo ha già un account: accedi.")) from None
    user = customer.user
    trail.record(user, AuditEntry.Action.EMAIL_VERIFIED, actor=user, email=user.email)
    pending.delete()
    return customer


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
