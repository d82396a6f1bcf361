"""Django's password-change and password-reset forms, throttled (accounts/throttle.py) and
written to the audit trail (accounts/security_events.py)."""

import math
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import security_events, throttle
from accounts.client import client_key
from accounts.events import PasswordResetRequested
from accounts.models import User
from audit.models import AuditEntry
from lib import events


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The current password is a password check like a sign-in: after
    PASSWORD_CHANGE_FAILURE_LIMIT wrong ones within the cool-off the form refuses every attempt,
    the right password too, until the cool-off has passed."""

    SUSPENDED = _(
        "Troppi tentativi con la password attuale: per proteggere l'account il cambio della password "
        "è sospeso per %(minutes)d minuti. Se non la ricordi, esci e usa «Hai dimenticato la password?»."
    )

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        if throttle.password_change_suspended(self.request, self.user):
            raise self._suspended()
        try:
            old_password: str = super().clean_old_password()
        except ValidationError:
            if throttle.password_change_failed(self.request, self.user):
                security_events.record(
                    self.request,
                    self.user,
                    AuditEntry.Action.LOCKED_OUT,
                    reason=str(_("cambio password: troppe password attuali errate")),
                )
                raise self._suspended() from None
            raise
        return old_password

    def _suspended(self) -> ValidationError:
        minutes = math.ceil(throttle.cool_off(self.request).total_seconds() / 60)
        return ValidationError(self.SUSPENDED, code="suspended", params={"minutes": minutes})


class ThrottledPasswordResetForm(PasswordResetForm):
    """Answers as usual whatever the email (nothing tells whether it has an account), but mails
    only within the hourly limits of accounts.throttle.password_reset_mail_allowed (per account
    and client, per account, per client); each mail sent is a "reset requested" on the account's
    trail, with the client key, which is also what the limits count."""

    request: HttpRequest | None = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.request = kwargs.get("request")  # PasswordResetView gives it by name
        super().save(*args, **kwargs)

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        """The mail is notifications' (notifications/mails.py: PASSWORD_RESET), sent by a task."""
        context = kwargs.get("context") or args[2]
        events.publish(PasswordResetRequested(user=context["user"]))

    def get_users(self, email: str) -> Iterator[User]:
        request = self.request
        if request is None:  # not from the page: no client to count
            yield from super().get_users(email)
            return
        for user in super().get_users(email):
            if throttle.password_reset_mail_allowed(request, user):
                security_events.record(
                    request,
                    user,
                    AuditEntry.Action.PASSWORD_RESET_REQUESTED,
                    actor=security_events.SOMEONE,
                    **{throttle.RESET_CLIENT: client_key(request)},
                )
                yield user
