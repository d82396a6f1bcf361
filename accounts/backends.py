"""The authentication backend between axes' (which refuses a locked-out email and address) and
Django's ModelBackend (which checks the password): it paces the password checks of an email
(accounts/throttle.py) on every login form, the customers', the admin's and the panel's."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import PositiveBigIntegerField, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from accounts import throttle
from accounts.models import ReferenceRevision, User


class PacedEmailBackend:
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        """Raises throttle.TooManyAttempts, a ValidationError the login form shows, when the
        email's password may not be tried yet. An email typed with capitals is checked as sign-up
        stored it (lower case) here, on forms that do not lower it themselves (the admin's)."""
        if request is None or not username or password is None:
            return None
        email = throttle.login_email(username)
        throttle.check_sign_in_pace(request, email)
        throttle.mark_password_checked(request)
        if email == username:
            return None  # ModelBackend, next, checks it
        user = AccountBackend().authenticate(request, username=email, password=password, **kwargs)
        return user if isinstance(user, User) else None

    def get_user(self, user_id: int) -> User | None:
        return AccountBackend().get_user(user_id)


class AccountBackend(ModelBackend):
    """Django's ModelBackend, except that the signed-in user comes with their customer in the same
    query: every page of the customer area reads both (accounts.access.customer_required), and
    with the reference revision, which the key of a kept page holds (accounts.revisions). Apps
    above add the user's other one-to-ones their pages read on every request (loads_with)."""

    loaded_with_user: tuple[str, ...] = ("customer",)

    @classmethod
    def loads_with(cls, relation: str) -> None:
        """Called from an app's ready(): `relation` (a one-to-one to User) comes with the user."""
        if relation not in cls.loaded_with_user:
            cls.loaded_with_user = (*cls.loaded_with_user, relation)

    def get_user(self, user_id: int) -> User | None:
        reference = ReferenceRevision.objects.filter(pk=ReferenceRevision.ROW).values("number")
        user = (
            User._default_manager.select_related(*self.loaded_with_user)
            .annotate(reference_revision=Coalesce(Subquery(reference), 0, output_field=PositiveBigIntegerField()))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
