import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from tests import cast

pytestmark = pytest.mark.django_db


def ask_reset(client, email):
    """The mail goes from a task queued when the request's transaction commits: run that here."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email})


def test_passwords_are_stored_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("argon@example.com", cast.PASSWORD)
    assert user.password.startswith("argon2")


def test_the_production_settings_put_argon2_first():
    from conserva import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, rossi):
    response = ask_reset(client, "rossi@example.com")
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/recupero/" in line)

    form_url = client.get(link.strip()).url  # Django moves the token into the session
    new = "una nuova frase piuttosto lunga"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    rossi.user.refresh_from_db()
    assert rossi.user.check_password(new)


def test_password_reset_does_not_say_whether_the_email_exists(client, rossi):
    known = ask_reset(client, "rossi@example.com")
    unknown = ask_reset(client, "nessuno@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mail.outbox) == 1
