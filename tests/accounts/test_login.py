import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests import cast

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
HOME = reverse("subscriptions:list")


def login(client, email, password=cast.PASSWORD, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_it_logs_in_with_email_and_password(client, rossi):
    response = login(client, "rossi@example.com")
    assert response.status_code == 302 and response.url == HOME


def test_a_wrong_password_says_so_without_telling_which_part_is_wrong(client, rossi):
    response = login(client, "rossi@example.com", "sbagliata-sbagliata")
    assert response.status_code == 200
    assert "Inserisci email e password corretti" in response.content.decode()


def test_the_fourth_bad_login_is_blocked_but_not_other_users_from_the_same_ip(client, rossi, bianchi):
    for _ in range(3):
        login(client, "rossi@example.com", "sbagliata-sbagliata")
    blocked = login(client, "rossi@example.com")  # even the right password, for a while
    assert blocked.status_code == 429
    assert "Troppi tentativi" in blocked.content.decode()

    assert login(Client(), "bianchi@example.com").status_code == 302


def test_login_gives_a_new_session_id(client, rossi):
    client.get(LOGIN)
    client.cookies["sessionid"] = "fixation-attempt"
    login(client, "rossi@example.com")
    assert client.cookies["sessionid"].value != "fixation-attempt"


def test_logout_ends_every_session_of_the_user(rossi):
    laptop, phone = Client(), Client()
    login(laptop, "rossi@example.com")
    login(phone, "rossi@example.com")

    laptop.post(reverse("accounts:logout"))
    assert laptop.get(HOME).status_code == 302
    assert phone.get(HOME).status_code == 302


def test_logout_is_a_post(rossi_client):
    assert rossi_client.get(reverse("accounts:logout")).status_code == 405


def test_changing_the_password_ends_the_other_sessions(rossi):
    laptop, phone = Client(), Client()
    login(laptop, "rossi@example.com")
    login(phone, "rossi@example.com")
    new = "un'altra frase lunga e sicura"
    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": cast.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.url == reverse("accounts:password_change_done")
    assert laptop.get(HOME).status_code == 200
    assert phone.get(HOME).status_code == 302


def test_an_idle_session_ends_after_30_minutes(client, rossi, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        login(client, "rossi@example.com")
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(HOME).status_code == 200  # activity keeps it alive
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_session_ends_12_hours_after_login_even_when_active(client, rossi, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    with time_machine.travel(datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.UTC), tick=False) as clock:
        login(client, "rossi@example.com")
        for _ in range(24):  # active every 29 minutes until 19:36
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get(HOME).status_code == 200
        clock.shift(datetime.timedelta(minutes=25))  # 20:01
        response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_an_expired_session_sends_htmx_requests_to_the_login_page(client, rossi, settings):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        login(client, "rossi@example.com")
        clock.shift(datetime.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 60))
        response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"].startswith(LOGIN)
