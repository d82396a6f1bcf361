import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orders.services import order_place_first_purchase
from tests import cast

pytestmark = pytest.mark.django_db

# The only pages a stranger may open; everything else asks to log in.
PUBLIC = {
    "accounts:signup",
    "lifecycle:runs_health",  # the daily run's health, for a monitor: no customer data
    "health",  # the whole system's health, for load balancers: no customer data, no counts of the business
    "accounts:signup_done",  # the same "check your mail" page after every sign-up
    "accounts:signup_confirm",  # the link mailed to a new address: its random token is the key
    "accounts:email_verify",  # the link mailed to an unverified account: its signature is the key
    "accounts:login",
    "accounts:sign_in_link",  # the owner of a paced email asks a sign-in link (same answer for any address)
    "accounts:sign_in_link_open",  # that link: its token is the key
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "sandbox:checkout",  # the provider's page: its unguessable token is the key
    "sandbox:authenticate",  # the same page's second step (a POST)
    "payments:webhook",  # the provider's notifications: signed, no session (a POST)
    "panel:login",  # the panel's own login, for whoever has only the panel's username and password
    "set_language",
    "api:openapi-json",  # the API's schema and reference page: what any developer reads first
    "api:openapi-view",
    "api:api-root",  # /api/v1/ itself: ninja's 404 naming the reference page
}
# The API's endpoints need no login: each request brings its key, and without one gets a 401.
API_NAMESPACE = "api:"
SAMPLE_ARGS = {
    "public_id": "6f1c2f0e-1b7e-4a8e-9d5b-0c6f0e8a1b2c",
    "deposit_id": "0b7d9a51-3c2e-4f60-8a41-5e2d7c9f1a30",  # the panel's packages and receipts
    "document_id": "9e4a6c12-7f3b-4d85-b0e1-2a5c8d6f4b97",  # the panel's documents
    "number": "2026-000001",
    "code": "base",
    "slug": "rinnovo",
    "token": "x",
    "uidb64": "x",
    "prefix": "x",  # an API key's prefix
    "package_id": "0b7d9a51-3c2e-4f60-8a41-5e2d7c9f1a30",  # the API's packages and documents
}


def walk(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin has its own staff login
            yield from walk(entry, f"{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


@pytest.mark.parametrize(("name", "pattern"), list(walk()))
def test_every_page_but_the_public_ones_needs_login(client, name, pattern):
    kwargs = {key: SAMPLE_ARGS[key] for key in pattern.pattern.regex.groupindex}
    response = client.get(reverse(name, kwargs=kwargs))
    if name in PUBLIC:
        assert not (response.status_code == 302 and reverse("accounts:login") in response.url)
    elif name.startswith(API_NAMESPACE):
        assert response.status_code in (401, 404, 405), name  # 405: a path only for POST (the deposit)
        assert response["Content-Type"] == "application/problem+json"
    else:
        # The panel's pages send to the panel's own login (whoever has only that one); its two pages
        # in the customer area (the way in, the panel's password, the archive's export) and the rest, to the customers'.
        panel_page = name.startswith("panel:") and name not in {
            "panel:entry",
            "panel:password",
            "panel:export",
            "panel:redeem",
            "panel:logout",
        }
        login = reverse("panel:login") if panel_page else reverse("accounts:login")
        assert response.status_code == 302 and response.url.startswith(login)


def test_a_post_without_csrf_token_is_refused(rossi, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rossi.user)
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)

    assert client.post(reverse("orders:cancel", args=[order.number])).status_code == 403
    assert client.post(reverse("orders:buy", args=[plan.code])).status_code == 403
    order.refresh_from_db()
    assert order.is_awaiting_payment


def test_pages_send_the_security_headers(rossi_client):
    response = rossi_client.get(reverse("subscriptions:list"))
    csp = response.headers["Content-Security-Policy"]
    for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"]:
        assert directive in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookies_are_httponly_and_lax(client, rossi):
    response = client.post(
        reverse("accounts:login"), {"username": "rossi@example.com", "password": cast.PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_no_page_loads_an_asset_from_the_internet(rossi_client):
    page = rossi_client.get(reverse("subscriptions:list")).content.decode()
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


def production_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "CONSERVA_PRODUCTION": "1",
        "CONSERVA_SECRET_KEY": "k" * 20 + "a-long-random-production-key-for-the-check-only",
        "CONSERVA_ALLOWED_HOSTS": "area.example.com",
        "CONSERVA_SITE_URL": "https://area.example.com",
        "CONSERVA_EMAIL_HOST": "smtp.example.com",
        "DATABASE_URL": f"sqlite:///{settings.VAR_DIR / 'deploy-check.sqlite3'}",
    }


def test_production_has_no_sandbox_payments_unless_asked_for():
    show = "from django.conf import settings; print(sorted(settings.PAYMENT_PROVIDERS), settings.CARD_PAYMENT_PROVIDER)"
    result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "['bonifico']"


def test_production_settings_pass_the_deploy_check():
    env = production_env()
    result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "CONSERVA_SECRET_KEY"} | {"CONSERVA_PRODUCTION": "1"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "CONSERVA_SECRET_KEY" in result.stderr


def test_an_anonymous_visit_to_an_admin_page_goes_to_the_admins_own_login(client):
    response = client.get("/admin/orders/order/?status=PAGATO")

    assert response.status_code == 302
    assert response.url == reverse("admin:login") + "?next=/admin/orders/order/%3Fstatus%3DPAGATO"
