"""A customer turns on two-factor authentication on the profile and signs in with a code, in Debian's Chromium."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_secret(secret: str, step: int | None = None) -> str:
    """What an authenticator app shows for the secret typed in by hand (at time step `step`)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() if step is None else step * 30
    return f"{totp.token():06d}"


def log_in(page, base_url):
    page.goto(f"{base_url}/account/accedi/")
    page.get_by_label("Email").fill("rossi@example.com")
    page.get_by_label("Password").fill(cast.PASSWORD)
    page.get_by_role("button", name="Accedi").click()


def test_a_customer_sets_up_two_factors_and_signs_in_with_a_code(page, live_server, screenshot):
    cast.customer("rossi@example.com", "Studio Rossi S.r.l.")
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/account/profilo/")
    page.get_by_role("link", name="Verifica in due passaggi").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two-factor-setup")

    page.get_by_label("Codice dell'app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Attiva la verifica in due passaggi").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("button", name="Ho conservato i codici, continua").click()
    expect(page.get_by_text("La verifica in due passaggi è attiva")).to_be_visible()

    page.get_by_role("button", name="Esci").click()
    log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="Verifica in due passaggi")).to_be_visible()
    # A code already used is refused: the app's next code if the set-up's is still the current one.
    device = TOTPDevice.objects.get(user__email="rossi@example.com")
    step = max(int(time.time()) // 30, device.last_t + 1)
    page.get_by_label("Codice dell'app o codice di recupero").fill(code_from_secret(secret, step))
    page.get_by_role("button", name="Verifica").click()
    expect(page.get_by_role("link", name="Profilo")).to_be_visible()
    assert "/account/accedi/" not in page.url
