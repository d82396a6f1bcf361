"""How often a password may be tried, and how many reset or sign-in-link mails may be asked for.

A client is counted by its client key (accounts/client.py: the address, an IPv6 one by its /64).

- sign-in, per (email, client): django-axes locks the pair out after AXES_FAILURE_LIMIT failures
  (settings), so that a stranger's guesses lock out only the stranger;
- sign-in, per email from every client: past LOGIN_SLOWDOWN_AFTER failures within axes' cool-off,
  a password is checked at most once every LOGIN_SLOWDOWN_SECONDS, except from a browser that has
  signed in as that user before (its device cookie, OWASP's "device cookies"). Each check is
  claimed with one conditional UPDATE of the email's SignInPace row, so concurrent guesses get one
  check per slot. Unknown emails are paced the same, so the answer never tells whether an account
  exists. The owner on a new browser, whose turn a guesser can take every time, signs in by a link
  mailed to the address instead (accounts/sign_in_link.py), which the guesser cannot block;
- the current password on the password-change form: its failures go to axes' failure log, and
  PASSWORD_CHANGE_FAILURE_LIMIT of them within the cool-off suspend the form;
- password-reset mails: the audit trail's "reset requested" entries, per (account, client), per
  account from everywhere except its owner's browser, and per client;
- sign-in-link mails: SignInPace rows per (email, client), a few at once then a few an hour.
"""

import datetime
import math
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Sum, Value
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext_lazy

from accounts.client import client_address, client_key, user_agent_short
from accounts.models import SignInPace, User
from audit.models import AuditEntry
from lib import clock

DEVICE_COOKIE = "conserva_device"
DEVICE_SALT = "conserva.accounts.device"
DEVICE_MAX_AGE = 365 * 24 * 60 * 60
DEVICE_USERS_KEPT = 5  # a shared office computer signs in as a few people
CHECKED_FLAG = "conserva_password_checked"
TRUSTED_DEVICE_FOR = "conserva_trusted_device_for"
# What axes' failure log holds in place of a path for a wrong current password.
CHANGE_FORM_MARK = "accounts:password_change"
RESET_WINDOW = datetime.timedelta(hours=1)
RESET_CLIENT = "client"  # the value of a "reset requested" entry that holds the client key


class TooManyAttempts(ValidationError):
    """A password not even checked: raised by the authentication backend, it ends `authenticate()`
    without a failed sign-in (nothing was tried) and every login form shows its message."""

    def __init__(self, seconds: int) -> None:
        message = ngettext_lazy(
            "Troppi tentativi per questo account: riprova tra %(seconds)d secondo.",
            "Troppi tentativi per questo account: riprova tra %(seconds)d secondi.",
            "seconds",
        )
        super().__init__(message, code="too_many_attempts", params={"seconds": seconds})
        self.seconds = seconds


def login_email(value: str) -> str:
    """The email as sign-up stores it: "ROSSI@Example.com " signs in as rossi@example.com."""
    return value.strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: axes counts "ROSSI@x" and "rossi@x" as one email."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    return login_email(value) if isinstance(value, str) else None


# Sign-in


def check_sign_in_pace(request: HttpRequest, email: str) -> None:
    """Raises TooManyAttempts when this email's password was tried too often of late, this
    browser has not signed in as its owner and another request has taken the current slot;
    otherwise the password may be checked (and, when paced, this request has taken the slot)."""
    since = clock.now() - cool_off(request)
    recent = AccessAttempt.objects.filter(username=email, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start")
    )
    if (recent["failures"] or 0) < settings.LOGIN_SLOWDOWN_AFTER or is_trusted_device(request, email):
        return
    interval = datetime.timedelta(seconds=settings.LOGIN_SLOWDOWN_SECONDS)
    wait = claim(pace_key("sign-in", email), interval)
    if wait is not None:
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))


def pace_key(purpose: str, *parts: str) -> str:
    """A SignInPace key: a keyed hash (SECRET_KEY) of what is paced, never the email itself."""
    value = "\n".join(parts)
    return salted_hmac(f"conserva.accounts.pace.{purpose}", value, algorithm="sha256").hexdigest()


def claim(key: str, interval: datetime.timedelta, burst: int = 1) -> datetime.timedelta | None:
    """Takes one slot of a rate of one per `interval`, `burst` at once (a generic cell rate: the
    row holds when the next slot is free, and `burst - 1` slots may be taken ahead of it). None
    when taken; else how long until the next slot. One conditional UPDATE claims it, so of
    concurrent requests exactly as many as there are free slots win, on PostgreSQL too."""
    now = clock.now()
    ahead = interval * (burst - 1)

    def take() -> bool:
        return bool(
            SignInPace.objects.filter(key=key, next_check_at__lte=now + ahead).update(
                next_check_at=Greatest(F("next_check_at"), Value(now, output_field=DateTimeField())) + interval
            )
        )

    if take():
        return None
    if not SignInPace.objects.filter(key=key).exists():
        try:
            with transaction.atomic():
                SignInPace.objects.create(key=key, next_check_at=now + interval)
            return None
        except IntegrityError:  # another request made it a moment ago: it decides
            if take():
                return None
    next_check_at = SignInPace.objects.filter(key=key).values_list("next_check_at", flat=True).first()
    return max(next_check_at - ahead - now, datetime.timedelta(0)) if next_check_at else interval


def forget_old_paces() -> None:
    """A row whose next slot is past decides nothing any more (a missing row is the same)."""
    SignInPace.objects.filter(next_check_at__lt=clock.now() - datetime.timedelta(days=1)).delete()


def mark_password_checked(request: HttpRequest) -> None:
    """Says that this request's password was really checked: its failure is a guess to record."""
    setattr(request, CHECKED_FLAG, True)


def password_was_checked(request: HttpRequest | None) -> bool:
    return request is not None and getattr(request, CHECKED_FLAG, False)


def cool_off(request: HttpRequest) -> datetime.timedelta:
    """Axes' cool-off (AXES_COOLOFF_TIME): the window in which failures count."""
    return get_cool_off(request) or datetime.timedelta(minutes=15)


# The device cookie


def _device_users(request: HttpRequest) -> list[int]:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        users = signing.loads(value, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [pk for pk in users if isinstance(pk, int)] if isinstance(users, list) else []


def is_trusted_device(request: HttpRequest, email: str) -> bool:
    users = _device_users(request)
    return bool(users) and User.objects.filter(pk__in=users, email=email).exists()


def forgive_failures(request: HttpRequest, user: User) -> None:
    """The owner proved the mailbox (a password reset): the email's lock-outs end on every client,
    its failures stop pacing it, and this browser is remembered as the owner's."""
    AccessAttempt.objects.filter(username=login_email(user.email)).delete()
    remember_device(request, user)


def remember_device(request: HttpRequest, user: User) -> None:
    """After a sign-in: the response will carry a device cookie naming this user too."""
    setattr(request, TRUSTED_DEVICE_FOR, user.pk)


class DeviceCookieMiddleware:
    """Writes the device cookie on the response of a request that signed someone in (whatever the
    login page: the customers', the admin's, the panel's)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        user_pk = getattr(request, TRUSTED_DEVICE_FOR, None)
        if user_pk is not None:
            users = [user_pk, *(pk for pk in _device_users(request) if pk != user_pk)][:DEVICE_USERS_KEPT]
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps(users, salt=DEVICE_SALT),
                max_age=DEVICE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# The password-change form


def password_change_suspended(request: HttpRequest, user: User) -> bool:
    return _password_change_failures(request, user) >= settings.PASSWORD_CHANGE_FAILURE_LIMIT


def password_change_failed(request: HttpRequest, user: User) -> bool:
    """Logs a wrong current password; True when the form is now suspended (the 5th, or a
    concurrent one past it)."""
    AccessFailureLog.objects.create(
        username=user.email,
        ip_address=client_address(request) or None,
        user_agent=user_agent_short(request),
        http_accept=request.META.get("HTTP_ACCEPT", "")[:1025],
        path_info=CHANGE_FORM_MARK,
    )
    return _password_change_failures(request, user) >= settings.PASSWORD_CHANGE_FAILURE_LIMIT


def _password_change_failures(request: HttpRequest, user: User) -> int:
    since = clock.now() - cool_off(request)
    failures: int = AccessFailureLog.objects.filter(
        username=user.email, path_info=CHANGE_FORM_MARK, attempt_time__gte=since
    ).count()
    return failures


# Password-reset mails


def password_reset_mail_allowed(request: HttpRequest, user: User) -> bool:
    """Within an hour, at most: PASSWORD_RESET_MAILS_PER_EMAIL_AND_ADDRESS to one account asked
    from one client, PASSWORD_RESET_MAILS_PER_EMAIL to one account from everywhere (a cap a
    browser its owner signed in on is not subject to, so strangers cannot use it up for them), and
    PASSWORD_RESET_MAILS_PER_ADDRESS asked from one client. Counted on the audit trail's entries
    of the mails sent, which hold the client key (RESET_CLIENT)."""
    client = client_key(request)
    sent = AuditEntry.objects.filter(
        action=AuditEntry.Action.PASSWORD_RESET_REQUESTED,
        created_at__gte=clock.now() - RESET_WINDOW,
    )
    to_user = sent.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    if to_user.filter(**{f"changes__{RESET_CLIENT}__value": client}).count() >= (
        settings.PASSWORD_RESET_MAILS_PER_EMAIL_AND_ADDRESS
    ):
        return False
    if to_user.count() >= settings.PASSWORD_RESET_MAILS_PER_EMAIL and not is_trusted_device(request, user.email):
        return False
    from_client = sent.filter(**{f"changes__{RESET_CLIENT}__value": client}).count()
    return from_client < settings.PASSWORD_RESET_MAILS_PER_ADDRESS
