"""Two-factor authentication: set-up on the profile, the two-step sign-in, recovery codes, throttling,
and the back-office that only opens to operators who passed the second factor."""

import datetime
import re

import pytest
import time_machine
from django.test import Client, TestCase
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import User
from audit.models import AuditEntry
from tests import cast

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
HOME = reverse("subscriptions:list")
PAGE = reverse("accounts:two_factor")
CODES = reverse("accounts:two_factor_codes")
ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
ADMIN_CODE = reverse("admin:login_code")


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


def code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def next_code(device, clock) -> str:
    """A code of the next 30 seconds: a code already accepted is never accepted again."""
    clock.shift(datetime.timedelta(seconds=30))
    return code(device)


def turn_on(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.two_factor_pending_device(user)
    device, codes = two_factor.two_factor_enable(user=user, token=code(device))
    return TOTPDevice.objects.get(pk=device.pk), codes


def is_on(user) -> bool:
    return two_factor.two_factor_device(user) is not None


def password_step(client, email="rossi@example.com", next_url=None, url=LOGIN):
    data = {"username": email, "password": cast.PASSWORD} | ({"next": next_url} if next_url else {})
    return client.post(url, data, REMOTE_ADDR="10.1.1.1")


def actions(user) -> list[str]:
    return list(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))


# Set-up on the profile


def test_the_profile_links_to_the_page(rossi_client):
    assert PAGE in rossi_client.get(reverse("accounts:profile")).content.decode()


def test_set_up_shows_a_qr_code_and_the_secret_and_counts_only_after_a_valid_code(rossi_client, rossi, clock):
    page = rossi_client.get(PAGE).content.decode()
    device = TOTPDevice.objects.get(user=rossi.user)
    assert "<svg" in page and 'class="qr-code"' in page
    assert two_factor.secret_for_humans(device) in page
    assert not device.confirmed

    wrong = rossi_client.post(PAGE, {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Il codice non è corretto" in wrong.content.decode()
    assert not is_on(rossi.user)
    too_soon = rossi_client.post(PAGE, {"code": code(device)})
    assert "Troppi tentativi" in too_soon.content.decode()

    clock.shift(datetime.timedelta(seconds=2))  # past django-otp's back-off after a wrong code
    response = rossi_client.post(PAGE, {"code": code(device)})
    assert response.url == CODES
    assert is_on(rossi.user)
    assert AuditEntry.Action.TWO_FACTOR_ENABLED in actions(rossi.user)
    assert rossi_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session is verified


def test_the_recovery_codes_are_shown_once_and_can_be_downloaded(rossi_client, rossi, clock):
    device = two_factor.two_factor_pending_device(rossi.user)
    rossi_client.post(PAGE, {"code": code(device)})
    codes = list(StaticToken.objects.filter(device__user=rossi.user).values_list("token", flat=True))
    assert len(codes) == 10

    page = rossi_client.get(CODES).content.decode()
    assert all(c in page for c in codes)
    download = rossi_client.get(reverse("accounts:two_factor_codes_download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert all(c in download.content.decode() for c in codes)

    rossi_client.post(CODES)  # "I kept them"
    assert rossi_client.get(CODES).url == PAGE
    assert codes[0] not in rossi_client.get(PAGE).content.decode()


def test_the_secret_stays_the_same_until_it_is_confirmed(rossi_client, rossi, clock):
    rossi_client.get(PAGE)
    rossi_client.get(PAGE)
    assert TOTPDevice.objects.filter(user=rossi.user).count() == 1


def test_a_malformed_code_is_refused_with_a_message(rossi_client, rossi):
    response = rossi_client.post(PAGE, {"code": "12\x0034<script>"})
    assert response.status_code == 400 and "Il codice non è valido" in response.content.decode()


# The two-step sign-in


def test_a_customer_without_two_factors_signs_in_in_one_step(client, rossi):
    response = password_step(client)
    assert response.url == HOME
    assert client.get(HOME).status_code == 200


def test_sign_in_asks_the_code_after_the_password_and_only_then_signs_in(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    response = password_step(client)
    assert response.url == CODE
    assert client.get(HOME).status_code == 302  # not signed in yet

    assert client.get(CODE).status_code == 200
    response = client.post(CODE, {"code": next_code(device, clock)})
    assert response.url == HOME
    assert client.get(HOME).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_code_is_refused_and_written_to_the_trail(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client)
    clock.shift(datetime.timedelta(seconds=30))
    wrong = "123456" if code(device) != "123456" else "654321"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 400 and "Il codice non è corretto" in response.content.decode()
    assert client.get(HOME).status_code == 302
    assert AuditEntry.Action.SECOND_FACTOR_FAILED in actions(rossi.user)
    # Whoever typed it knew the password: where they were is what the owner needs to see.
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_FAILED).get()
    assert failed.values()["address"] == "127.0.0.1"


def test_the_same_code_is_not_accepted_twice(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client)
    used = code(device)  # the one that confirmed the set-up, still within its 30 seconds
    assert client.post(CODE, {"code": used}).status_code == 400


def test_next_survives_both_steps(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    target = reverse("billing:list")
    password_step(client, next_url=target)
    assert client.post(CODE, {"code": next_code(device, clock)}).url == target


def test_an_outside_next_is_ignored(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client, next_url="https://evil.example/")
    assert client.post(CODE, {"code": next_code(device, clock)}).url == HOME


def test_a_recovery_code_works_once(client, rossi, clock):
    device, codes = turn_on(rossi.user)
    password_step(client)
    response = client.post(CODE, {"code": codes[0].upper()}, follow=True)
    assert "te ne restano 9" in response.content.decode()
    assert client.get(HOME).status_code == 200
    assert AuditEntry.Action.RECOVERY_CODE_USED in actions(rossi.user)

    other = Client()
    clock.shift(datetime.timedelta(seconds=5))
    password_step(other)
    assert other.post(CODE, {"code": codes[0]}).status_code == 400
    assert other.get(HOME).status_code == 302


def test_wrong_codes_are_throttled_then_the_sign_in_starts_over(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client)
    clock.shift(datetime.timedelta(seconds=30))
    wrong = "123456" if code(device) != "123456" else "654321"
    client.post(CODE, {"code": wrong})
    # Right away even the right code waits: django-otp's back-off (1, 2, 4… seconds).
    throttled = client.post(CODE, {"code": code(device)})
    assert "Troppi tentativi" in throttled.content.decode()
    assert client.get(HOME).status_code == 302

    for _ in range(4):
        clock.shift(datetime.timedelta(seconds=20))
        response = client.post(CODE, {"code": wrong})
    assert response.url == f"{LOGIN}?next=%2F"
    assert client.get(CODE).url == LOGIN  # the pending sign-in is gone: password again
    assert list(actions(rossi.user)).count(AuditEntry.Action.SECOND_FACTOR_FAILED) == 5


def test_the_second_step_expires_after_five_minutes(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client)
    clock.shift(datetime.timedelta(minutes=6))
    response = client.post(CODE, {"code": code(device)})
    assert response.url == LOGIN
    assert client.get(HOME).status_code == 302


def test_the_code_step_without_a_password_step_goes_back_to_the_login(client):
    assert client.get(CODE).url == LOGIN


# Recovery codes renewed, two factors turned off


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(client, rossi, clock):
    device, old = turn_on(rossi.user)
    cast.verified_operator_login(client, rossi.user)  # a verified session of the customer
    renew = reverse("accounts:two_factor_renew")
    assert client.post(renew, {"renew-code": "000000" if code(device) != "000000" else "111111"}).status_code == 400
    assert two_factor.recovery_codes_left(rossi.user) == 10 and StaticToken.objects.filter(token=old[0]).exists()

    response = client.post(renew, {"renew-code": next_code(device, clock)})
    assert response.url == CODES
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert two_factor.recovery_codes_left(rossi.user) == 10
    assert AuditEntry.Action.RECOVERY_CODES_RENEWED in actions(rossi.user)


def test_turning_off_needs_the_password_or_a_code(rossi_client, rossi, clock):
    device, _ = turn_on(rossi.user)
    rossi_client.force_login(rossi.user)  # turning on ended every other session
    off = reverse("accounts:two_factor_turn_off")
    refused = rossi_client.post(off, {"off-password": "non-è-lei"})
    assert refused.status_code == 400 and "non sono corretti" in refused.content.decode()
    assert is_on(rossi.user)

    clock.shift(datetime.timedelta(seconds=2))  # past the back-off after the wrong password
    assert rossi_client.post(off, {"off-password": cast.PASSWORD}).url == PAGE
    assert not is_on(rossi.user)
    assert AuditEntry.Action.TWO_FACTOR_DISABLED in actions(rossi.user)
    assert password_step(Client()).url == HOME  # one step again


def test_turning_off_with_a_code(rossi_client, rossi, clock):
    device, _ = turn_on(rossi.user)
    rossi_client.force_login(rossi.user)  # turning on ended every other session
    response = rossi_client.post(reverse("accounts:two_factor_turn_off"), {"off-code": next_code(device, clock)})
    assert response.url == PAGE
    assert not is_on(rossi.user)


def test_guessing_the_password_to_turn_off_is_throttled(rossi_client, rossi, clock):
    turn_on(rossi.user)
    rossi_client.force_login(rossi.user)  # turning on ended every other session
    off = reverse("accounts:two_factor_turn_off")
    rossi_client.post(off, {"off-password": "non-è-lei"})
    throttled = rossi_client.post(off, {"off-password": cast.PASSWORD})  # right, but too soon
    assert "Troppi tentativi" in throttled.content.decode()
    assert is_on(rossi.user)


# The back-office


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operatore@example.com", cast.PASSWORD)


def test_the_admin_refuses_a_staff_session_without_the_second_factor(client, operator, clock):
    device, _ = turn_on(operator)
    client.force_login(operator)
    response = client.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith(ADMIN_LOGIN)
    assert client.get(response.url).url == ADMIN_CODE  # asked the code, not the password again

    assert client.post(ADMIN_CODE, {"code": next_code(device, clock)}).url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_an_operator_signs_in_to_the_admin_in_two_steps(client, operator, clock):
    device, _ = turn_on(operator)
    target = reverse("admin:orders_order_changelist")
    response = password_step(client, "operatore@example.com", next_url=target, url=ADMIN_LOGIN)
    assert response.url == ADMIN_CODE
    page = client.get(ADMIN_CODE).content.decode()
    assert "Conserva – back-office" in page and 'name="code"' in page  # in the admin's look
    assert client.get(target).status_code == 302
    assert client.post(ADMIN_CODE, {"code": next_code(device, clock)}).url == target
    assert client.get(target).status_code == 200


def set_up_link(mail) -> str:
    """The path of the set-up link in the mail to an operator."""
    found = re.search(r"http://testserver(/\S+)", mail.body)
    assert found, mail.body
    return found.group(1)


def test_an_operator_without_a_device_proves_the_mailbox_then_sets_one_up(
    client, operator, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = password_step(client, "operatore@example.com", next_url=ADMIN, url=ADMIN_LOGIN)
    assert response.url == f"{PAGE}?next=%2Fadmin%2F"
    assert client.get(ADMIN).status_code == 302
    assert client.get(ADMIN_LOGIN).url == f"{PAGE}?next=%2Fadmin%2F"
    assert [m.to for m in mailoutbox] == [["operatore@example.com"]]
    link = set_up_link(mailoutbox[0])

    # The password alone shows no secret and sets nothing up.
    waiting = client.get(PAGE).content.decode()
    assert "operatore@example.com" in waiting and "qr-code" not in waiting
    assert not TOTPDevice.objects.filter(user=operator).exists()

    assert client.get(link).status_code == 200  # a GET (a mail scanner's) uses nothing up
    assert client.post(link).url == f"{PAGE}?next=%2Fadmin%2F"
    page = client.get(PAGE).content.decode()
    device = TOTPDevice.objects.get(user=operator)
    assert "qr-code" in page and two_factor.secret_for_humans(device) in page
    assert client.post(PAGE, {"code": code(device), "next": ADMIN}).url == CODES
    assert client.post(CODES).url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_an_operator_with_the_password_only_cannot_set_up_a_device(client, operator, clock):
    """The old way, straight from the password to the set-up page, is closed: a device made
    beforehand (by an earlier customer-style set-up) is not offered nor confirmed."""
    client.force_login(operator)
    stale = TOTPDevice.objects.create(user=operator, name="x", confirmed=False)
    response = client.post(PAGE, {"code": code(stale), "next": ADMIN})
    assert response.status_code == 200 and "qr-code" not in response.content.decode()
    assert not is_on(operator)
    assert two_factor.secret_for_humans(stale) not in client.get(PAGE).content.decode()


def test_the_set_up_link_works_once_for_its_operator_for_30_minutes(
    client, operator, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_step(client, "operatore@example.com", url=ADMIN_LOGIN)
    link = set_up_link(mailoutbox[0])

    other = User.objects.create_user("altro@example.com", cast.PASSWORD, is_staff=True)
    stranger = Client()
    stranger.force_login(other)
    refused = stranger.post(link, follow=True)
    assert "non è valido" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=other).exists()

    late = Client()
    late.force_login(operator)
    clock.shift(datetime.timedelta(minutes=31))
    assert "scaduto" in late.post(link, follow=True).content.decode()
    assert not TOTPDevice.objects.filter(user=operator).exists()
    clock.shift(datetime.timedelta(minutes=-31))

    client.post(link)
    first = TOTPDevice.objects.get(user=operator)
    again = late.post(link, follow=True)
    assert "già stato usato" in again.content.decode()
    assert list(TOTPDevice.objects.filter(user=operator)) == [first]
    assert "qr-code" not in again.content.decode()  # the other session got no secret


def test_the_set_up_link_opened_in_another_browser_asks_the_password_then_works(
    client, operator, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_step(client, "operatore@example.com", url=ADMIN_LOGIN)
    link = set_up_link(mailoutbox[0])
    other = Client()
    assert other.get(link).url.startswith(LOGIN)
    with django_capture_on_commit_callbacks(execute=True):
        assert password_step(other, "operatore@example.com", next_url=link).url == link
    assert len(mailoutbox) == 1  # no second mail: this sign-in goes on to the link
    other.post(link)
    assert "qr-code" in other.get(PAGE).content.decode()


def test_a_new_set_up_link_is_mailed_at_most_once_a_minute(
    client, operator, clock, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    resend = reverse("accounts:two_factor_enrol_resend")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
        client.post(resend)
    assert len(mailoutbox) == 1
    clock.shift(datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    assert len(mailoutbox) == 2


# Each change ends the user's other sessions, not this one


def test_turning_on_ends_the_other_sessions(rossi_client, rossi, clock):
    elsewhere = Client()
    elsewhere.force_login(rossi.user)
    device = two_factor.two_factor_pending_device(rossi.user)
    assert rossi_client.post(PAGE, {"code": code(device)}).url == CODES
    assert elsewhere.get(HOME).status_code == 302
    assert rossi_client.get(HOME).status_code == 200


def test_renewing_codes_and_turning_off_end_the_other_sessions(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    cast.verified_operator_login(client, rossi.user)
    elsewhere = Client()
    elsewhere.force_login(rossi.user)
    assert client.post(reverse("accounts:two_factor_renew"), {"renew-code": next_code(device, clock)}).url == CODES
    assert elsewhere.get(HOME).status_code == 302
    assert client.get(HOME).status_code == 200

    elsewhere.force_login(rossi.user)
    assert client.post(reverse("accounts:two_factor_turn_off"), {"off-password": cast.PASSWORD}).url == PAGE
    assert elsewhere.get(HOME).status_code == 302
    assert client.get(HOME).status_code == 200


# The lost phone: django-otp's own admin pages are gone, a superuser resets from the user's page


def test_no_operator_reads_or_plants_a_device_in_the_admin(client, operator):
    TOTPDevice.objects.create(user=operator, name="x", confirmed=True)
    cast.verified_operator_login(client, operator)
    for page in ["/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/add/"]:
        assert client.get(page).status_code == 404


def test_a_superuser_resets_a_lost_authenticator(client, operator, rossi, clock, mailoutbox):
    rossi.language = "en"
    rossi.save(update_fields=["language"])
    turn_on(rossi.user)
    elsewhere = Client()
    elsewhere.force_login(rossi.user)
    cast.verified_operator_login(client, operator)
    users = reverse("admin:accounts_user_changelist")
    chosen = {"action": "reset_two_factor", "_selected_action": [rossi.user.pk]}

    confirmation = client.post(users, chosen)  # first a page that says what will happen
    assert confirmation.status_code == 200 and "rossi@example.com" in confirmation.content.decode()
    assert is_on(rossi.user)

    mailoutbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(users, chosen | {"confirm": "yes"})
    assert response.status_code == 302
    (mail,) = mailoutbox
    assert "an operator" in mail.body.lower()  # in the owner's language, saying who did it
    assert not is_on(rossi.user) and not StaticToken.objects.filter(device__user=rossi.user).exists()
    entry = AuditEntry.objects.filter(object_id=str(rossi.user.pk), action=AuditEntry.Action.TWO_FACTOR_DISABLED).get()
    assert entry.actor_id == operator.pk
    assert elsewhere.get(HOME).status_code == 302


def test_only_a_superuser_may_reset_an_authenticator(client, rossi, clock):
    from django.contrib.auth.models import Group

    turn_on(rossi.user)
    administrator = User.objects.create_user("amministratore@example.com", cast.PASSWORD, is_staff=True)
    administrator.groups.add(Group.objects.get(name="Amministrazione"))
    cast.verified_operator_login(client, administrator)
    users = reverse("admin:accounts_user_changelist")
    assert "reset_two_factor" not in client.get(users).content.decode()
    client.post(users, {"action": "reset_two_factor", "_selected_action": [rossi.user.pk]})
    assert is_on(rossi.user)


def test_an_operator_cannot_turn_two_factors_off(client, operator, clock):
    turn_on(operator)
    cast.verified_operator_login(client, operator)
    response = client.post(reverse("accounts:two_factor_turn_off"), {"off-password": cast.PASSWORD})
    assert "obbligatoria" in response.content.decode()
    assert is_on(operator)


def test_a_customer_is_not_let_into_the_admin(client, rossi):
    client.force_login(rossi.user)
    assert client.get(ADMIN).status_code == 302
    assert client.get(ADMIN_LOGIN).status_code == 200  # the admin's login form, no loop


def test_each_change_is_mailed_to_the_owner(rossi, clock, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        device, _ = turn_on(rossi.user)
        two_factor.two_factor_renew_recovery_codes(user=rossi.user)
        two_factor.two_factor_disable(user=rossi.user)
    assert [m.to for m in mailoutbox] == [["rossi@example.com"]] * 3
    assert "attivata" in mailoutbox[0].body and "disattivata" in mailoutbox[2].body


def test_too_many_wrong_codes_in_the_admin_go_back_to_the_admins_password_step(client, operator, clock):
    device, _ = turn_on(operator)
    password_step(client, "operatore@example.com", next_url=ADMIN, url=ADMIN_LOGIN)
    clock.shift(datetime.timedelta(seconds=30))
    wrong = "123456" if code(device) != "123456" else "654321"
    for _ in range(5):
        clock.shift(datetime.timedelta(seconds=20))
        response = client.post(ADMIN_CODE, {"code": wrong})
    assert response.url == f"{ADMIN_LOGIN}?next=%2Fadmin%2F"


def test_the_code_step_gives_a_new_session_id(client, rossi, clock):
    device, _ = turn_on(rossi.user)
    password_step(client)
    before = client.cookies["sessionid"].value
    client.post(CODE, {"code": next_code(device, clock)})
    assert client.cookies["sessionid"].value != before
