"""The panel's own login and two factors: its users never reach the customer area's account pages
(so never switch two factors on there), and one who has an authenticator signs in in two steps."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from panel.models import PanelAccount
from tests.panel.test_entry import PANEL_PASSWORD

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = [
    "accounts:two_factor",
    "accounts:two_factor_codes",
    "accounts:two_factor_codes_download",
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:email_verification",
    "accounts:profile",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_panel_user_finds_no_account_page(accountant, service, name):
    assert accountant.get(reverse(name)).status_code == 404
    assert not TOTPDevice.objects.filter(user__panel_account__service=service).exists()


@pytest.mark.parametrize("name", ["accounts:two_factor", "accounts:two_factor_renew", "accounts:two_factor_turn_off"])
def test_a_panel_user_cannot_post_to_the_two_factor_pages(accountant, name):
    assert accountant.post(reverse(name), {"code": "123456"}).status_code == 404


def test_a_panel_user_with_an_authenticator_signs_in_in_two_steps(accountant, service):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        user = PanelAccount.objects.get(service=service).user
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
        home = reverse("panel:home", args=[service.public_id])
        client = Client()
        credentials = {"username": service.panel_username, "password": PANEL_PASSWORD}
        response = client.post(reverse("panel:login"), credentials, REMOTE_ADDR="10.3.3.3")
        assert response.url == reverse("accounts:login_code")
        assert client.get(home).status_code == 302  # not signed in yet

        code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
        assert client.post(reverse("accounts:login_code"), {"code": code}).url == home
        assert client.get(home).status_code == 200
