"""Signing in by a link mailed to the address: the way in for the owner on a new browser while
strangers' guesses pace the email's password checks (accounts/throttle.py), which no guesser can
block, since it needs the mailbox.

The link holds a token like Django's password-reset ones: the user, when it was made, and a keyed
hash (SECRET_KEY) of those with the user's password hash and last sign-in. It is valid
SIGN_IN_LINK_MAX_AGE seconds and once: using it is claimed in SignInPace (one row per token,
inserted once), and signing in changes last_login, which the token is bound to."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext_lazy as _

from accounts import throttle
from accounts.events import SignInLinkRequested
from accounts.models import SignInPace, User
from lib import clock, events

TOKEN_SALT = "conserva.accounts.sign_in_link"  # noqa: S105  # nosec B105
MAIL_INTERVAL = datetime.timedelta(hours=1)
CLOCK_SKEW = 5  # seconds a token may seem to come from the future (several servers)


class SignInLinkError(Exception):
    """A link that does not sign anyone in; its message is for the user."""


INVALID = _(
    "Il link di accesso non è valido, è scaduto o è già stato usato: chiedine uno nuovo dalla pagina di accesso."
)


def sign_in_link_request(*, email: str, client: str) -> bool:
    """Mails a sign-in link to `email` when an active account has it and this (email, client) has
    not asked too often (SIGN_IN_LINK_MAILS_PER_EMAIL_AND_ADDRESS at once, then as many an hour).
    The caller answers the same way whatever happened; True when a mail was queued (for tests)."""
    email = throttle.login_email(email)
    throttle.forget_old_paces()
    burst = settings.SIGN_IN_LINK_MAILS_PER_EMAIL_AND_ADDRESS
    if throttle.claim(throttle.pace_key("sign-in-link", email, client), MAIL_INTERVAL / burst, burst) is not None:
        return False
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return False
    events.publish(SignInLinkRequested(user=user))
    return True


def sign_in_link_token(user: User) -> str:
    """A new token for `user`, valid SIGN_IN_LINK_MAX_AGE seconds from now."""
    made = int(clock.now().timestamp())
    return f"{int_to_base36(user.pk)}-{int_to_base36(made)}-{_signature(user, made)}"


def sign_in_link_user(token: str) -> User:
    """The user a valid, unused token signs in; raises SignInLinkError."""
    try:
        user_part, made_part, signature = token.split("-")
        user_pk, made = base36_to_int(user_part), base36_to_int(made_part)
    except ValueError:
        raise SignInLinkError(INVALID) from None
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    age = clock.now().timestamp() - made
    if user is None or not -CLOCK_SKEW <= age <= settings.SIGN_IN_LINK_MAX_AGE:
        raise SignInLinkError(INVALID)
    if not constant_time_compare(signature, _signature(user, made)):
        raise SignInLinkError(INVALID)
    if SignInPace.objects.filter(key=_used_key(token)).exists():
        raise SignInLinkError(INVALID)
    return user


def sign_in_link_use(token: str) -> User:
    """Uses the token up (atomically: of two requests with it, one wins) and returns its user;
    raises SignInLinkError."""
    user = sign_in_link_user(token)
    made = base36_to_int(token.split("-")[1])
    expires = datetime.datetime.fromtimestamp(made + settings.SIGN_IN_LINK_MAX_AGE, tz=datetime.UTC)
    try:
        with transaction.atomic():
            SignInPace.objects.create(key=_used_key(token), next_check_at=expires)
    except IntegrityError:
        raise SignInLinkError(INVALID) from None
    return user


def _signature(user: User, made: int) -> str:
    last_login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    value = f"{user.pk}:{user.password}:{last_login}:{user.email}:{made}"
    return salted_hmac(TOKEN_SALT, value, algorithm="sha256").hexdigest()[:40]


def _used_key(token: str) -> str:
    return throttle.pace_key("sign-in-link-used", token)
