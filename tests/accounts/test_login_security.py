"""Sign-in that an attacker can neither lock out nor use to guess (issue 10): the client's address
through the trusted proxies, the lock-out on (email, address), the pace of an email's password
checks with the owner's device cookie, the email in any case."""

import datetime
import importlib
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse

import conserva.settings
from accounts import throttle
from accounts.client import client_address, client_key
from accounts.models import SignInPace
from lib import clock as clock_module
from tests import cast, threads

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
WRONG = "sbagliata-sbagliata"
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(client, email, password=cast.PASSWORD, *, address, path=LOGIN):
    """A sign-in from `address` as the TLS proxy forwards it."""
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def address_of(**meta):
    return client_address(RequestFactory().get("/", **meta))


# The client's address


def test_without_trusted_proxies_the_address_is_the_connections(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER) == PROXY


def test_behind_one_proxy_the_address_is_the_one_the_proxy_appended(behind_the_proxy):
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER) == ATTACKER


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(behind_the_proxy):
    # The attacker sent "X-Forwarded-For: <owner's address>"; the proxy appended the real one.
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{OWNER}, {ATTACKER}") == ATTACKER


def test_behind_two_proxies_the_address_is_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = f"1.2.3.4, {OWNER}, 10.0.0.9"
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded) == OWNER


@pytest.mark.parametrize(
    ("forwarded", "address"),
    [(f"{ATTACKER}:4711", ATTACKER), ("[2001:db8::1]:4711", "2001:db8::1"), ("2001:DB8:0::1", "2001:db8::1")],
)
def test_a_port_is_dropped_and_an_ipv6_address_written_as_usual(behind_the_proxy, forwarded, address):
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded) == address


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "<script>"])
def test_a_missing_or_bad_header_falls_back_to_the_connections_address(behind_the_proxy, forwarded):
    assert address_of(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded) == PROXY


@pytest.mark.parametrize(
    ("trusted", "remote", "address"),
    [
        (PROXY, PROXY, ATTACKER),
        ("10.0.0.0/24", PROXY, ATTACKER),
        ("192.0.2.1, 10.0.0.0/8", PROXY, ATTACKER),
        (PROXY, "192.0.2.50", "192.0.2.50"),  # reached the app directly: its header is its own
        ("2001:db8:ff::/48", "2001:db8:ff::2", ATTACKER),
    ],
)
def test_with_trusted_proxies_listed_the_header_counts_only_from_them(settings, trusted, remote, address):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = trusted
    assert address_of(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=ATTACKER) == address


def test_a_wrong_trusted_proxy_stops_the_start(monkeypatch):
    monkeypatch.setenv("CONSERVA_TRUSTED_PROXIES", "10.0.0.2, proxy.example.com")
    with pytest.raises(ImproperlyConfigured, match="proxy.example.com"):
        importlib.reload(conserva.settings)
    monkeypatch.delenv("CONSERVA_TRUSTED_PROXIES")
    importlib.reload(conserva.settings)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (ATTACKER, ATTACKER),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("::ffff:203.0.113.66", ATTACKER),
    ],
)
def test_the_throttles_count_an_ipv6_client_by_its_64(behind_the_proxy, address, key):
    assert client_key(RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)) == key


# The lock-out on (email, address)


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_a_stranger_locked_out_does_not_lock_out_the_owner(behind_the_proxy, path):
    """The issue's test: the attacker's and the owner's requests come through the same proxy."""
    owner = cast.operator() if path == ADMIN_LOGIN else cast.customer("rossi@example.com", "Studio Rossi S.r.l.")
    attacker = Client()
    for _ in range(3):
        sign_in(
            attacker, owner.email if path == ADMIN_LOGIN else "rossi@example.com", WRONG, address=ATTACKER, path=path
        )
    email = owner.email if path == ADMIN_LOGIN else "rossi@example.com"
    assert sign_in(attacker, email, address=ATTACKER, path=path).status_code == 429  # even the right password

    response = sign_in(Client(), email, address=OWNER, path=path)
    assert response.status_code == 302


def test_sending_the_owners_address_in_the_header_does_not_lock_the_owner_out(behind_the_proxy, rossi):
    attacker = Client()
    for _ in range(4):
        sign_in(attacker, "rossi@example.com", WRONG, address=f"{OWNER}, {ATTACKER}")

    assert sign_in(Client(), "rossi@example.com", address=OWNER).status_code == 302
    assert sign_in(attacker, "rossi@example.com", address=f"9.9.9.9, {ATTACKER}").status_code == 429


def test_fresh_addresses_from_one_ipv6_64_share_one_lock_out(behind_the_proxy, rossi):
    for index in range(3):
        sign_in(Client(), "rossi@example.com", WRONG, address=f"2001:db8:1:2::{index + 1}")
    assert sign_in(Client(), "rossi@example.com", address="2001:db8:1:2::99").status_code == 429
    assert sign_in(Client(), "rossi@example.com", address="2001:db8:1:3::1").status_code == 302  # another /64


# The email in any case


def test_it_signs_in_with_the_email_in_capitals(client, rossi):
    response = sign_in(client, "  ROSSI@Example.COM ", address=OWNER)
    assert response.status_code == 302 and response.url == reverse("subscriptions:list")


def test_the_admin_signs_in_with_the_email_in_capitals(client):
    cast.operator()
    assert sign_in(client, "OPERATORE@EXAMPLE.COM", address=OWNER, path=ADMIN_LOGIN).status_code == 302


def test_capitals_and_lower_case_share_one_counter(client, rossi):
    sign_in(client, "ROSSI@EXAMPLE.COM", WRONG, address=OWNER)
    sign_in(client, "Rossi@Example.com", WRONG, address=OWNER)
    sign_in(client, "rossi@example.com", WRONG, address=OWNER)
    assert sign_in(client, "rossi@example.com", address=OWNER).status_code == 429


# The pace of an email's password checks


@pytest.fixture
def slowdown(settings, behind_the_proxy):
    settings.LOGIN_SLOWDOWN_AFTER = 10
    settings.LOGIN_SLOWDOWN_SECONDS = 60


def spray(email, addresses=4):
    """Three wrong passwords from each of several addresses: each pair is locked out, the email
    has collected 3 × addresses failures."""
    for index in range(addresses):
        attacker = Client()
        for _ in range(3):
            sign_in(attacker, email, WRONG, address=f"203.0.113.{index + 1}")


def failures(email):
    return sum(AccessAttempt.objects.filter(username=email).values_list("failures_since_start", flat=True))


def test_many_failures_from_many_addresses_slow_the_checks_of_that_email(slowdown, clock, rossi):
    spray("rossi@example.com")
    counted = failures("rossi@example.com")

    response = sign_in(Client(), "rossi@example.com", WRONG, address="203.0.113.99")
    assert "Troppi tentativi per questo account: riprova tra 60 secondi" in response.content.decode()
    assert failures("rossi@example.com") == counted  # not checked, so not counted

    clock.shift(datetime.timedelta(seconds=59))
    response = sign_in(Client(), "rossi@example.com", WRONG, address="203.0.113.98")
    assert "riprova tra 1 secondo." in response.content.decode()
    clock.shift(datetime.timedelta(seconds=1))
    response = sign_in(Client(), "rossi@example.com", WRONG, address="203.0.113.97")
    assert "Inserisci email e password corretti" in response.content.decode()  # checked once
    assert failures("rossi@example.com") == counted + 1
    response = sign_in(Client(), "rossi@example.com", WRONG, address="203.0.113.96")
    assert "Troppi tentativi per questo account" in response.content.decode()


def test_the_right_password_from_a_new_browser_waits_its_turn_too(slowdown, clock, rossi):
    spray("rossi@example.com")
    response = sign_in(Client(), "rossi@example.com", address=OWNER)
    assert response.status_code == 200 and "Troppi tentativi per questo account" in response.content.decode()


def test_the_owners_browser_is_never_slowed_down(slowdown, clock, rossi):
    owner = Client()
    sign_in(owner, "rossi@example.com", address=OWNER)
    owner.post(reverse("accounts:logout"))
    spray("rossi@example.com")

    response = sign_in(owner, "rossi@example.com", address=OWNER)
    assert response.status_code == 302 and response.url == reverse("subscriptions:list")


def test_a_device_cookie_of_another_user_or_forged_does_not_help(slowdown, clock, rossi, bianchi):
    elsewhere = Client()
    sign_in(elsewhere, "bianchi@example.com", address=OWNER)
    elsewhere.post(reverse("accounts:logout"))
    spray("rossi@example.com")
    assert "Troppi tentativi" in sign_in(elsewhere, "rossi@example.com", address=OWNER).content.decode()

    forged = Client()
    forged.cookies[throttle.DEVICE_COOKIE] = signing.dumps([rossi.user.pk], salt="another-salt")
    assert "Troppi tentativi" in sign_in(forged, "rossi@example.com", address=OWNER).content.decode()


def test_unknown_emails_are_slowed_down_alike(slowdown, clock, rossi):
    spray("nessuno@example.com")
    response = sign_in(Client(), "nessuno@example.com", WRONG, address="203.0.113.99")
    assert "Troppi tentativi per questo account: riprova tra 60 secondi" in response.content.decode()


def test_the_admin_login_is_paced_too(slowdown, clock):
    operator = cast.operator()
    for index in range(4):
        attacker = Client()
        for _ in range(3):
            sign_in(attacker, operator.email, WRONG, address=f"203.0.113.{index + 1}", path=ADMIN_LOGIN)
    response = sign_in(Client(), operator.email, WRONG, address="203.0.113.99", path=ADMIN_LOGIN)
    assert "Troppi tentativi per questo account" in response.content.decode()


def test_signing_in_gives_the_browser_a_long_lived_httponly_device_cookie(client, rossi, settings):
    response = sign_in(client, "rossi@example.com", address=OWNER)
    cookie = response.cookies[throttle.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == throttle.DEVICE_MAX_AGE
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    assert signing.loads(cookie.value, salt=throttle.DEVICE_SALT) == [rossi.user.pk]


def test_a_failed_sign_in_gives_no_device_cookie(client, rossi):
    response = sign_in(client, "rossi@example.com", WRONG, address=OWNER)
    assert throttle.DEVICE_COOKIE not in response.cookies


def test_a_paced_refusal_offers_a_sign_in_link(slowdown, clock, rossi):
    spray("rossi@example.com")
    page = sign_in(Client(), "rossi@example.com", address=OWNER).content.decode()
    assert "Ricevi un link di accesso via email" in page
    assert f'action="{reverse("accounts:sign_in_link")}"' in page
    assert 'name="email" value="rossi@example.com"' in page
    plain_failure = sign_in(Client(), "altri@example.com", WRONG, address=OWNER).content.decode()
    assert "Inserisci email e password corretti" in plain_failure and "Ricevi un link" not in plain_failure


def test_the_pace_is_kept_under_a_keyed_hash_not_the_email(slowdown, clock, rossi):
    spray("rossi@example.com")
    keys = list(SignInPace.objects.values_list("key", flat=True))
    assert keys == [throttle.pace_key("sign-in", "rossi@example.com")]
    assert "rossi" not in keys[0] and len(keys[0]) == 64


def test_a_claim_takes_one_slot_of_the_rate_a_burst_at_once(clock):
    minute = datetime.timedelta(minutes=1)
    assert [throttle.claim("k", minute, burst=3) for _ in range(4)] == [None, None, None, 3 * minute - 2 * minute]
    clock.shift(datetime.timedelta(seconds=30))
    assert throttle.claim("k", minute, burst=3) == datetime.timedelta(seconds=30)
    clock.shift(datetime.timedelta(seconds=30))
    assert throttle.claim("k", minute, burst=3) is None
    assert throttle.claim("k", minute, burst=3) == minute


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_get_one_check_per_slot(settings):
    """On PostgreSQL: 12 guesses at once, each from its own address, when the email's next check
    is due: one is checked, the others paced."""
    threads.skip_unless_postgresql()
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_SLOWDOWN_AFTER = 10
    cast.customer("rossi@example.com", "Studio Rossi S.r.l.")
    spray("rossi@example.com")
    SignInPace.objects.update(next_check_at=clock_module.now() - datetime.timedelta(seconds=1))
    counted = failures("rossi@example.com")

    def guess(index):
        response = sign_in(Client(), "rossi@example.com", f"guess-{index}", address=f"198.51.100.{index + 1}")
        return "paced" if "Troppi tentativi" in response.content.decode() else "checked"

    results = threads.all_at_once(guess, 12, ())
    assert sorted(results) == ["checked"] + ["paced"] * 11
    assert failures("rossi@example.com") == counted + 1


def test_a_password_reset_lifts_the_lock_out_as_the_lock_out_page_says(behind_the_proxy, rossi, mailoutbox):
    owner = Client()
    for _ in range(3):
        sign_in(owner, "rossi@example.com", WRONG, address=OWNER)
    assert sign_in(owner, "rossi@example.com", address=OWNER).status_code == 429

    with TestCase.captureOnCommitCallbacks(execute=True):
        owner.post(reverse("accounts:password_reset"), {"email": "rossi@example.com"}, REMOTE_ADDR=PROXY)
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[-1].body).group(1)
    form_url = owner.get(link).url
    new = "una nuova frase piuttosto lunga"
    owner.post(form_url, {"new_password1": new, "new_password2": new}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OWNER)

    assert sign_in(owner, "rossi@example.com", new, address=OWNER).status_code == 302
