"""What accounts tell the layers above them (lib/events.py); notifications/handlers.py subscribes."""

from dataclasses import dataclass

from accounts.models import PendingSignUp, User


@dataclass(frozen=True)
class EmailVerificationRequested:
    """A new account, or its owner asking again: the address gets the link that verifies it."""

    user: User


@dataclass(frozen=True)
class PasswordResetRequested:
    """The account's owner, or someone typing its address, asked for a new password; the mail goes
    out of the request (a task), so that a known address answers as fast as an unknown one."""

    user: User


@dataclass(frozen=True)
class SignUpConfirmationRequested:
    """A sign-up with a new address, kept pending: the address gets the link that makes the account."""

    pending: PendingSignUp


@dataclass(frozen=True)
class SignUpWithKnownEmail:
    """Someone signed up with an address that has an account: its owner hears of it, the visitor
    sees the same page as for a new address."""

    user: User


@dataclass(frozen=True)
class SignInLinkRequested:
    """Someone asked, on the login page, for a one-time sign-in link to this account's address
    (accounts/sign_in_link.py); the mail goes out of the request, like a password reset's."""

    user: User
