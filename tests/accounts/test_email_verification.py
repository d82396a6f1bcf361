"""The address of an account not verified yet (made between 0004 and 0006, when a sign-up made its
account at once) is verified by the link it asks for again; buying waits for it. A sign-up now
makes its account verified (tests/accounts/test_signup.py)."""

import datetime
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from lib import clock
from orders.models import Order
from orders.services import EmailNotVerified, order_place_renewal, order_place_space_increase
from tests import cast

pytestmark = pytest.mark.django_db
migration = importlib.import_module("accounts.migrations.0004_email_verification")


@pytest.fixture
def newcomer(db):
    return cast.customer("nuovo@example.com", "Nuova S.r.l.", email_verified=False)


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer.user)
    return client


def link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/account/email/conferma/[^\s]+/)", mail.body).group(1)


def mailed_link(client, newcomer, mailoutbox, capture) -> str:
    """The link an account made before sign-ups waited for their link (0004 to 0006) asks again."""
    client.force_login(newcomer.user)
    with capture(execute=True):
        client.post(reverse("accounts:email_verification"))
    client.logout()
    (mail,) = mailoutbox
    return link_in(mail)


def test_the_mailed_link_verifies_the_address(client, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    user = User.objects.get(email="nuovo@example.com")

    page = client.get(link).content.decode()
    assert "Confermi che <strong>nuovo@example.com</strong>" in page
    user.refresh_from_db()
    assert not user.is_email_verified  # opening the link (a mail scanner does) changes nothing

    response = client.post(link, follow=True)
    user.refresh_from_db()
    assert user.is_email_verified
    assert response.redirect_chain[0][0] == f"{reverse('accounts:login')}?next={reverse('catalog:plans')}"
    assert "Indirizzo email confermato" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EMAIL_VERIFIED)
    assert entry.object_id == str(user.pk) and entry.actor_id == user.pk


def test_a_signed_in_customer_goes_on_to_the_plans(client, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    client.force_login(User.objects.get(email="nuovo@example.com"))
    assert client.post(link).url == reverse("catalog:plans")


def test_a_link_used_again_changes_nothing(client, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    client.post(link)
    client.post(link)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EMAIL_VERIFIED).count() == 1
    assert "Indirizzo già confermato" in client.get(link).content.decode()


def test_an_expired_link_verifies_nothing(client, newcomer, mailoutbox, django_capture_on_commit_callbacks, settings):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    later = clock.now() + datetime.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = client.post(link)
    assert response.status_code == 400 and "Il link è scaduto" in response.content.decode()
    assert not User.objects.get(email="nuovo@example.com").is_email_verified


def test_a_changed_link_verifies_nothing(client, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    response = client.post(link.replace("/conferma/", "/conferma/x"))
    assert response.status_code == 400 and "Il link non è valido" in response.content.decode()
    assert not User.objects.get(email="nuovo@example.com").is_email_verified


def test_a_link_for_another_address_verifies_nothing(client, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    link = mailed_link(client, newcomer, mailoutbox, django_capture_on_commit_callbacks)
    User.objects.filter(email="nuovo@example.com").update(email="altro@example.com")  # changed since
    assert client.post(link).status_code == 400
    assert not User.objects.get(email="altro@example.com").is_email_verified


def test_buying_waits_for_the_address(newcomer_client, newcomer, plan, today):
    response = newcomer_client.post(reverse("orders:buy", args=[plan.code]), {"idempotency_key": "a" * 32})

    assert response.url == reverse("accounts:email_verification")
    page = newcomer_client.get(response.url).content.decode()
    assert "conferma il tuo indirizzo email con il link" in page
    assert "Invia di nuovo il link" in page
    assert not Order.objects.exists()
    assert "Invia di nuovo il link" in newcomer_client.get(reverse("catalog:plans")).content.decode()


def test_renewing_and_adding_space_wait_for_the_address(rossi, plan, today):
    service = cast.active_service(rossi, plan, activated_on=datetime.date(2025, 6, 1))
    User.objects.filter(pk=rossi.user.pk).update(email_verified_at=None)
    with pytest.raises(EmailNotVerified):
        order_place_renewal(service_id=service.pk, actor=rossi.user)
    with pytest.raises(EmailNotVerified):
        order_place_space_increase(service_id=service.pk, step=cast.space_step(), actor=rossi.user)
    assert service.orders.count() == 1


def test_a_verified_customer_sees_no_reminder(rossi_client, plan):
    assert "Invia di nuovo il link" not in rossi_client.get(reverse("catalog:plans")).content.decode()


def test_the_link_is_sent_again_once_every_five_minutes(
    newcomer_client, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("accounts:email_verification")
    with django_capture_on_commit_callbacks(execute=True):
        first = newcomer_client.post(url, follow=True).content.decode()
        second = newcomer_client.post(url, follow=True).content.decode()
    assert "Ti abbiamo scritto di nuovo a nuovo@example.com" in first
    assert "Ti abbiamo scritto da pochi minuti" in second
    assert len(mailoutbox) == 1

    later = clock.now() + datetime.timedelta(minutes=5, seconds=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        newcomer_client.post(url)
    assert len(mailoutbox) == 2
    newcomer_client.post(link_in(mailoutbox[-1]))
    assert User.objects.get(pk=newcomer.user.pk).is_email_verified


def test_no_link_for_an_address_already_verified(rossi_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rossi_client.post(reverse("accounts:email_verification"))
    assert mailoutbox == []


def test_accounts_made_before_verification_count_as_verified(newcomer):
    migration.mark_existing_users_verified(apps, None)
    newcomer.user.refresh_from_db()
    assert newcomer.user.email_verified_at == newcomer.user.date_joined
