"""Security events on the audit trail (issue 10), the throttles of the password forms, the
customer's "Ultimi accessi" and the operators' "Sicurezza" filter."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.actors import SYSTEM
from audit.models import AuditEntry
from audit.trail import record
from tests import cast

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action
LOGIN = reverse("accounts:login")
PASSWORD_CHANGE = reverse("accounts:password_change")
PASSWORD_RESET = reverse("accounts:password_reset")
PROXY = "10.0.0.2"
OWNER = "198.51.100.7"
ATTACKER = "203.0.113.66"
WRONG = "sbagliata-sbagliata"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEW = "un'altra frase lunga e sicura"


@pytest.fixture(autouse=True)
def behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


def through_proxy(address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address, "HTTP_USER_AGENT": FIREFOX}


def sign_in(client, email, password=cast.PASSWORD, *, address=OWNER):
    return client.post(LOGIN, {"username": email, "password": password}, **through_proxy(address))


def events(user):
    entries = AuditEntry.objects.filter(object_id=str(user.pk), action__startswith="security.").order_by("id")
    return [entry.action for entry in entries if entry.content_type.model == "user"]


def last(user, action):
    return AuditEntry.objects.filter(object_id=str(user.pk), action=action).order_by("-id").first()


# Sign-in, failures, lock-outs, sign-out


def test_a_sign_in_is_recorded_with_the_clients_address_and_browser(client, rossi):
    sign_in(client, "rossi@example.com")
    entry = last(rossi.user, Action.SIGNED_IN)
    assert entry.values() == {"address": OWNER, "user_agent": FIREFOX}
    assert entry.actor == rossi.user


def test_a_failure_on_an_existing_account_is_recorded_not_one_on_an_unknown_email(client, rossi):
    sign_in(client, "rossi@example.com", WRONG, address=ATTACKER)
    sign_in(client, "nessuno@example.com", WRONG, address=ATTACKER)

    assert events(rossi.user) == [Action.SIGN_IN_FAILED]
    entry = last(rossi.user, Action.SIGN_IN_FAILED)
    assert entry.values()["address"] == ATTACKER and entry.actor is None
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).count() == 1


def test_a_lock_out_is_recorded_once_however_many_attempts_follow(client, rossi):
    for _ in range(6):
        sign_in(client, "rossi@example.com", WRONG, address=ATTACKER)
    assert events(rossi.user) == [Action.SIGN_IN_FAILED] * 3 + [Action.LOCKED_OUT]


def test_signing_out_everywhere_is_recorded(client, rossi):
    sign_in(client, "rossi@example.com")
    client.post(reverse("accounts:logout"), **through_proxy(OWNER))
    assert events(rossi.user) == [Action.SIGNED_IN, Action.SIGNED_OUT]


# The password-change form


def change_password(client, old):
    return client.post(
        PASSWORD_CHANGE, {"old_password": old, "new_password1": NEW, "new_password2": NEW}, **through_proxy(OWNER)
    )


def test_a_password_change_is_recorded(client, rossi):
    sign_in(client, "rossi@example.com")
    assert change_password(client, cast.PASSWORD).status_code == 302
    assert events(rossi.user)[-1] == Action.PASSWORD_CHANGED


def test_five_wrong_current_passwords_suspend_the_form_even_for_the_right_one(client, rossi, clock):
    sign_in(client, "rossi@example.com")
    for _ in range(4):
        assert "password attuale" in change_password(client, WRONG).content.decode().lower()
    fifth = change_password(client, WRONG).content.decode()
    assert "Troppi tentativi con la password attuale" in fifth and "sospeso per 15 minuti" in fifth

    refused = change_password(client, cast.PASSWORD)
    assert refused.status_code == 200 and "Troppi tentativi con la password attuale" in refused.content.decode()
    rossi.user.refresh_from_db()
    assert rossi.user.check_password(cast.PASSWORD)
    assert events(rossi.user).count(Action.LOCKED_OUT) == 1

    clock.shift(datetime.timedelta(minutes=16))
    assert change_password(client, cast.PASSWORD).status_code == 302


def test_wrong_current_passwords_of_another_user_do_not_count(client, rossi, bianchi, clock):
    other = Client()
    sign_in(other, "bianchi@example.com")
    for _ in range(5):
        change_password(other, WRONG)
    sign_in(client, "rossi@example.com")
    assert change_password(client, cast.PASSWORD).status_code == 302


# Password reset


def ask_reset(client, email, address=OWNER):
    """The mail is queued when the request's transaction commits: the test runs that, as the worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(PASSWORD_RESET, {"email": email}, **through_proxy(address))


def test_ten_reset_requests_send_at_most_three_mails(client, rossi, clock):
    answers = {ask_reset(client, "rossi@example.com").url for _ in range(10)}

    assert answers == {reverse("accounts:password_reset_done")}  # every time the usual answer
    assert len(mail.outbox) == 3
    assert events(rossi.user) == [Action.PASSWORD_RESET_REQUESTED] * 3

    clock.shift(datetime.timedelta(minutes=61))
    ask_reset(client, "rossi@example.com")
    assert len(mail.outbox) == 4


def test_one_address_gets_at_most_ten_reset_mails_an_hour(client, clock):
    for index in range(4):
        cast.customer(f"cliente{index}@example.com", f"Cliente {index} S.r.l.")
    for index in range(4):
        for _ in range(3):
            ask_reset(client, f"cliente{index}@example.com", address=ATTACKER)
    assert len(mail.outbox) == 10

    ask_reset(client, "cliente3@example.com", address=OWNER)  # another address still can
    assert len(mail.outbox) == 11


def test_strangers_asking_from_other_addresses_do_not_use_up_the_owners_reset_mails(rossi, clock):
    for index in range(6):
        for _ in range(3):
            ask_reset(Client(), "rossi@example.com", address=f"203.0.113.{index + 1}")
    assert len(mail.outbox) == 18

    ask_reset(Client(), "rossi@example.com", address=OWNER)
    assert len(mail.outbox) == 19  # the owner, from their own address, still gets one


def test_an_ipv6_client_counts_by_its_64_for_reset_mails(rossi, clock):
    for index in range(5):
        ask_reset(Client(), "rossi@example.com", address=f"2001:db8:1:2::{index + 1}")
    assert len(mail.outbox) == 3
    ask_reset(Client(), "rossi@example.com", address="2001:db8:1:3::1")  # another /64
    assert len(mail.outbox) == 4


def test_an_account_gets_at_most_twenty_reset_mails_an_hour_except_on_its_owners_browser(settings, rossi, clock):
    owner = Client()
    sign_in(owner, "rossi@example.com")
    owner.post(reverse("accounts:logout"))
    for index in range(25):
        ask_reset(Client(), "rossi@example.com", address=f"203.0.113.{index + 1}")
    assert len(mail.outbox) == 20

    ask_reset(Client(), "rossi@example.com", address=OWNER)  # a new browser: the cap holds
    assert len(mail.outbox) == 20
    ask_reset(owner, "rossi@example.com", address=OWNER)  # the browser the owner signed in on
    assert len(mail.outbox) == 21


def test_a_throttled_request_answers_like_one_for_an_unknown_email(client, rossi):
    for _ in range(3):
        ask_reset(client, "rossi@example.com")
    throttled, unknown = ask_reset(client, "rossi@example.com"), ask_reset(client, "nessuno@example.com")
    assert (throttled.status_code, throttled.url) == (unknown.status_code, unknown.url)
    assert len(mail.outbox) == 3


def test_a_completed_reset_is_recorded(client, rossi):
    ask_reset(client, "rossi@example.com")
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, **through_proxy(OWNER))
    rossi.user.refresh_from_db()
    assert rossi.user.check_password(NEW)
    assert events(rossi.user) == [Action.PASSWORD_RESET_REQUESTED, Action.PASSWORD_RESET]
    assert last(rossi.user, Action.PASSWORD_RESET).actor == rossi.user


# What the customer and the operators see


def profile_page(client):
    return client.get(reverse("accounts:profile"))


def test_the_profile_shows_the_latest_security_events(client, rossi):
    sign_in(Client(), "rossi@example.com", WRONG, address=ATTACKER)
    sign_in(client, "rossi@example.com")
    page = profile_page(client).content.decode()
    recent = page[page.index("Ultimi accessi") :]
    assert "accesso non riuscito" in recent and ATTACKER in recent
    assert recent.index("accesso<") < recent.index("accesso non riuscito")  # newest first


def test_the_profile_shows_only_the_last_ten_and_only_security_events(client, rossi):
    for index in range(12):
        sign_in(client, "rossi@example.com", address=f"192.0.2.{index + 1}")
        client.post(reverse("accounts:logout"), **through_proxy(OWNER))
    sign_in(client, "rossi@example.com", address="192.0.2.99")
    page = profile_page(client).content.decode()
    recent = page[page.index("Ultimi accessi") :]
    assert recent.count("<tr>") - 1 == 10  # the header's row, then ten
    assert "192.0.2.99" in recent and "192.0.2.1<" not in recent
    assert "cliente registrato" not in recent


def test_the_profile_runs_as_many_queries_with_many_events_as_with_one(client, rossi):
    sign_in(client, "rossi@example.com")
    profile_page(client)
    with CaptureQueriesContext(connection) as few:
        profile_page(client)
    for _ in range(5):
        sign_in(Client(), "rossi@example.com", WRONG, address=ATTACKER)
    with CaptureQueriesContext(connection) as many:
        profile_page(client)
    assert len(many) == len(few)


def test_operators_filter_the_trail_to_security_events(admin_client, rossi):
    record(rossi.user, Action.SIGNED_IN, actor=rossi.user, address=OWNER, user_agent=FIREFOX)
    record(rossi, Action.CUSTOMER_DETAILS_CHANGED, actor=SYSTEM)
    changelist = reverse("admin:audit_auditentry_changelist")

    page = admin_client.get(changelist, {"area": "security"}).content.decode()
    assert '<td class="field-action">accesso</td>' in page
    assert 'field-action">dati aziendali modificati<' not in page
    assert "indirizzo del cliente: 198.51.100.7" in page
    unfiltered = admin_client.get(changelist).content.decode()
    assert "Sicurezza" in unfiltered and 'field-action">dati aziendali modificati<' in unfiltered
