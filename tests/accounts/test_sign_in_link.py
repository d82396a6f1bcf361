"""Signing in by a link mailed to the address (issue 10): the way in for the owner on a new browser
while a stranger's guesses take every paced password check of the email."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from accounts import sign_in_link, throttle
from audit.models import AuditEntry
from tests import cast
from tests.accounts.test_two_factor import next_code, turn_on

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
ASK = reverse("accounts:sign_in_link")
CODE = reverse("accounts:login_code")
HOME = reverse("subscriptions:list")
PROXY = "10.0.0.2"
OWNER = "198.51.100.7"
WRONG = "sbagliata-sbagliata"
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_SLOWDOWN_AFTER = 10
    settings.LOGIN_SLOWDOWN_SECONDS = 60


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def through(address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


def sign_in(client, email, password=cast.PASSWORD, *, address):
    return client.post(LOGIN, {"username": email, "password": password}, **through(address))


def ask_link(client, email, address=OWNER):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(ASK, {"email": email}, **through(address))


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+/accedi/link/[^/\s]+/)", message.body).group(1)


def signed_in(client):
    return client.get(HOME).status_code == 200


class Attacker:
    """Guesses the owner's password from a fresh IPv4 address each time (so no lock-out stops
    it), first ten at once, then one each time the email's next check is due."""

    def __init__(self):
        self.addresses = 0

    def guess(self, email="rossi@example.com"):
        self.addresses += 1
        return sign_in(Client(), email, WRONG, address=f"203.0.{self.addresses // 250}.{self.addresses % 250 + 1}")

    def pace(self, clock):
        for _ in range(10):
            self.guess()
        for _ in range(3):
            clock.shift(datetime.timedelta(seconds=61))
            assert "Inserisci email e password corretti" in self.guess().content.decode()  # checked


def test_the_owner_on_a_new_browser_gets_in_by_the_link_the_attacker_cannot_block(rossi, clock):
    Attacker().pace(clock)
    owner = Client()
    clock.shift(datetime.timedelta(seconds=20))
    refused = sign_in(owner, "rossi@example.com", address=OWNER).content.decode()
    assert "Troppi tentativi per questo account" in refused and "Ricevi un link di accesso via email" in refused

    page = ask_link(owner, "rossi@example.com")
    assert page.status_code == 200 and "ti abbiamo inviato un link di accesso" in page.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rossi@example.com"]
    link = link_in(mail.outbox[0])

    assert "Accedi all'Area Clienti come" in owner.get(link).content.decode()
    assert not signed_in(owner)  # opening the link changes nothing
    response = owner.post(link, **through(OWNER))
    assert response.status_code == 302 and response.url == HOME
    assert signed_in(owner)
    assert throttle.DEVICE_COOKIE in response.cookies  # from now on this browser is not paced

    signed_in_entries = AuditEntry.objects.filter(action=AuditEntry.Action.SIGNED_IN, object_id=str(rossi.user.pk))
    by_link = [entry.values() for entry in signed_in_entries if entry.values().get("method") == "link"]
    assert len(by_link) == 1 and by_link[0]["address"] == OWNER
    assert signed_in_entries.count() == 1  # one sign-in, one entry


def test_with_two_factors_the_link_leads_to_the_code_step(rossi, clock):
    device, _ = turn_on(rossi.user)
    Attacker().pace(clock)
    owner = Client()
    ask_link(owner, "rossi@example.com")
    response = owner.post(link_in(mail.outbox[0]), **through(OWNER))

    assert response.url == CODE
    assert not signed_in(owner)
    response = owner.post(CODE, {"code": next_code(device, clock)})
    assert response.url == HOME and signed_in(owner)


def test_the_link_works_once(rossi, clock):
    ask_link(Client(), "rossi@example.com")
    link = link_in(mail.outbox[0])
    assert Client().post(link).status_code == 302

    again = Client().post(link)
    assert again.status_code == 400 and "già stato usato" in again.content.decode()
    assert Client().get(link).status_code == 400


def test_with_two_factors_the_link_works_once_too(rossi, clock):
    turn_on(rossi.user)
    ask_link(Client(), "rossi@example.com")
    link = link_in(mail.outbox[0])
    assert Client().post(link).url == CODE
    assert Client().post(link).status_code == 400


def test_the_link_expires_after_fifteen_minutes(rossi, clock):
    ask_link(Client(), "rossi@example.com")
    link = link_in(mail.outbox[0])
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    response = Client().post(link)
    assert response.status_code == 400 and "scaduto" in response.content.decode()


def test_a_new_password_ends_the_links_sent_before(rossi, clock):
    ask_link(Client(), "rossi@example.com")
    rossi.user.set_password("un'altra frase lunga e sicura")
    rossi.user.save()
    assert Client().post(link_in(mail.outbox[0])).status_code == 400


def test_a_link_is_refused_for_another_user(rossi, bianchi, clock):
    ask_link(Client(), "rossi@example.com")
    link = link_in(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    _, made, signature = token.split("-")
    forged = reverse("accounts:sign_in_link_open", args=[f"{int(bianchi.user.pk):x}-{made}-{signature}"])
    forged_b36 = reverse(
        "accounts:sign_in_link_open", args=[f"{sign_in_link.int_to_base36(bianchi.user.pk)}-{made}-{signature}"]
    )
    for url in (forged, forged_b36):
        client = Client()
        assert client.post(url).status_code == 400
        assert not signed_in(client)


@pytest.mark.parametrize("token", ["x", "a-b", "zz-zz-zz", "1-1-" + "0" * 40, "-" * 300])
def test_a_malformed_token_is_refused_with_a_message(rossi, token):
    response = Client().post(reverse("accounts:sign_in_link_open", args=[token]))
    assert response.status_code == 400 and "Il link di accesso non è valido" in response.content.decode()


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_an_unknown_email_gets_the_same_page_and_no_mail(rossi, clock):
    known = without_csrf(ask_link(Client(), "rossi@example.com")).replace("rossi@example.com", "@")
    unknown = without_csrf(ask_link(Client(), "nessuno@example.com")).replace("nessuno@example.com", "@")
    assert known == unknown
    assert len(mail.outbox) == 1


def test_link_mails_are_throttled_per_email_and_address(rossi, clock):
    for _ in range(5):
        page = ask_link(Client(), "ROSSI@example.com ")
        assert page.status_code == 200
    assert len(mail.outbox) == 3  # the same answer every time, three mails

    ask_link(Client(), "rossi@example.com", address="192.0.2.9")  # another address: the owner's
    assert len(mail.outbox) == 4
    clock.shift(datetime.timedelta(minutes=20))
    ask_link(Client(), "rossi@example.com")
    assert len(mail.outbox) == 5


def test_an_empty_or_bad_email_is_refused_with_a_message(client):
    response = client.post(ASK, {"email": "not-an-email\x01"})
    assert response.status_code == 400 and "email" in response.content.decode().lower()
    assert client.get(ASK).status_code == 200
