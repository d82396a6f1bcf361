"""How often a password may be tried, and how many reset mails an address may ask for.

Four counters, all kept in tables that exist already:

- sign-in, per (email, client address): django-axes locks the pair out after
  AXES_FAILURE_LIMIT failures (settings), so that a stranger's guesses lock out only the stranger;
- sign-in, per email from every address: past LOGIN_SLOWDOWN_AFTER failures within axes' cool-off,
  a password is checked at most once every LOGIN_SLOWDOWN_SECONDS, except from a browser that has
  signed in as that user before (its device cookie, OWASP's "device cookies"): the owner is never
  locked out, the guesser is slowed down. Unknown emails are paced the same, so the answer never
  tells whether an account exists;
- the current password on the password-change form: its failures go to axes' failure log, and
  PASSWORD_CHANGE_FAILURE_LIMIT of them within the cool-off suspend the form;
- password-reset mails: the audit trail's "reset requested" entries, per user and per address.
"""

import datetime
import math
from typing import Any

from axes.helpers import get_cool_off  # type: ignore[import-untyped]
from axes.models import AccessAttempt, AccessFailureLog  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext_lazy

from accounts.client import client_address, user_agent_short
from accounts.models import User
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
    """Raises TooManyAttempts when this email's password was tried too often of late and this
    browser has not signed in as its owner; otherwise the password may be checked."""
    since = clock.now() - cool_off(request)
    recent = AccessAttempt.objects.filter(username=email, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    if (recent["failures"] or 0) < settings.LOGIN_SLOWDOWN_AFTER:
        return
    wait = settings.LOGIN_SLOWDOWN_SECONDS - (clock.now() - recent["last"]).total_seconds()
    if wait > 0 and not is_trusted_device(request, email):
        raise TooManyAttempts(math.ceil(wait))


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


def password_reset_mail_allowed(user: User, address: str) -> bool:
    """At most PASSWORD_RESET_MAILS_PER_EMAIL an hour to one account and
    PASSWORD_RESET_MAILS_PER_ADDRESS an hour asked from one client address, counted on the
    audit trail's entries of the mails sent."""
    sent = AuditEntry.objects.filter(
        action=AuditEntry.Action.PASSWORD_RESET_REQUESTED,
        created_at__gte=clock.now() - RESET_WINDOW,
    )
    to_user = sent.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    if to_user.count() >= settings.PASSWORD_RESET_MAILS_PER_EMAIL:
        return False
    return sent.filter(changes__address__value=address).count() < settings.PASSWORD_RESET_MAILS_PER_ADDRESS
