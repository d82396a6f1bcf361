"""Security events on the audit trail, each with the user as subject and the client's address and
browser: sign-ins, failed ones on an existing account, lock-outs, sign-out everywhere, password
changes and resets. The customer reads the latest on the profile page, operators in the admin.

The sign-in events come from Django's and axes' signals (connected in AccountsConfig.ready), so
that every login page records them; the others from the views that make them happen."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import throttle
from accounts.client import client_address, user_agent_short
from accounts.models import User
from audit import trail
from audit.actors import Actor, SystemActor
from audit.models import AuditEntry

Action = AuditEntry.Action
# Whoever typed a wrong password or asked for a reset: not known, perhaps not the owner.
SOMEONE = SystemActor("sconosciuto (non autenticato)")
RECENT_SHOWN = 10
FAILED_USER = "conserva_sign_in_failed_user"
LOCKOUT_RECORDED = "conserva_lockout_recorded"


def origin(request: HttpRequest) -> dict[str, str]:
    """Where a security event came from, as the trail keeps it: the client's address and browser."""
    return {"address": client_address(request), "user_agent": user_agent_short(request)}


def record(
    request: HttpRequest, user: User, action: AuditEntry.Action, *, actor: Actor | None = None, **extra: Any
) -> None:
    trail.record(user, action, actor=actor or user, **origin(request), **extra)


@dataclass(frozen=True)
class SecurityEvent:
    when: datetime
    what: str
    address: str


def recent_security_events(user: User, limit: int = RECENT_SHOWN) -> list[SecurityEvent]:
    """The user's latest security events, newest first: one query."""
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        action__startswith="security.",
    ).only("created_at", "action", "changes")[:limit]
    return [
        SecurityEvent(entry.created_at, entry.get_action_display(), str(entry.values().get("address") or ""))
        for entry in entries
    ]


SIGN_IN_METHOD = "sign_in_method"


@receiver(user_logged_in, dispatch_uid="accounts.security_events.signed_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    # How, when not with the password (a view sets SIGN_IN_METHOD on the request: "link").
    method = getattr(request, SIGN_IN_METHOD, None)
    record(request, user, Action.SIGNED_IN, **({"method": method} if method else {}))
    throttle.remember_device(request, user)


@receiver(user_login_failed, dispatch_uid="accounts.security_events.sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    _failed_account(request, credentials.get("username"))


@receiver(user_locked_out, dispatch_uid="accounts.security_events.locked_out")
def _locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any) -> None:
    """Axes signals a lock-out on the failure that reaches the limit and again on each attempt
    while locked out: only the first, a password really checked, is recorded."""
    user = _failed_account(request, username)
    if request is None or user is None or getattr(request, LOCKOUT_RECORDED, False):
        return
    setattr(request, LOCKOUT_RECORDED, True)
    record(request, user, Action.LOCKED_OUT, actor=SOMEONE)


def _failed_account(request: HttpRequest | None, username: object) -> User | None:
    """The account whose password this request checked and got wrong, recorded once per request
    whichever signal comes first; None when no password was checked (axes or the pacing refused
    before) or when no account has that email (nothing to record it on)."""
    if request is None or not throttle.password_was_checked(request):
        return None
    if not hasattr(request, FAILED_USER):
        email = throttle.login_email(username) if isinstance(username, str) else ""
        user = User.objects.filter(email=email).first() if email else None
        if user is not None:
            record(request, user, Action.SIGN_IN_FAILED, actor=SOMEONE)
        setattr(request, FAILED_USER, user)
    failed: User | None = getattr(request, FAILED_USER)
    return failed
