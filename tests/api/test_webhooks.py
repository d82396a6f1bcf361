"""Webhooks: set in the panel with a secret shown once, each package's outcome posted signed to a
real receiver on loopback, retried with a doubling delay until it answers 2xx; private addresses
refused where they are not allowed."""

import datetime
import http.server
import json
import re
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from api.models import Webhook, WebhookDelivery
from lib import signing
from tests.api import test_packages
from tests.archive import files

pytestmark = pytest.mark.django_db


class Receiver(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    Receiver.answers, Receiver.received = [], []
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/conserva"
    server.shutdown()


@pytest.fixture
def post_package(django_capture_on_commit_callbacks):
    """Posts a package and runs what its commit queued, the webhook's first call among it."""

    def post(api, uploads):
        with django_capture_on_commit_callbacks(execute=True):
            return test_packages.post_package(api, uploads)

    return post


def set_webhook(rossi_client, service, url):
    page = rossi_client.post(reverse("api_keys:webhook", args=[service.public_id]), {"url": url})
    return page, re.search(r'<code id="secret">([^<]+)</code>', page.content.decode())


def test_the_outcome_is_posted_signed_with_the_secret_shown_once(rossi_client, service, api, receiver, post_package):
    page, shown = set_webhook(rossi_client, service, receiver)
    assert page.status_code == 200 and shown
    secret = shown.group(1)
    assert secret not in rossi_client.get(reverse("api_keys:list", args=[service.public_id])).content.decode()

    accepted = post_package(api, {"a.pdf": files.upload("a.pdf", files.pdf())}).json()

    headers, body = Receiver.received[0]
    signing.verify(secret=secret, body=body, header=headers["Conserva-Signature"], now=int(time.time()))
    event = json.loads(body)
    assert event["type"] == "package.accepted" == headers["Conserva-Event"]
    assert event["package"]["id"] == accepted["id"] and event["id"] == headers["Conserva-Event-Id"]
    assert WebhookDelivery.objects.get().delivered_at is not None


def test_a_failed_call_is_retried_with_a_doubling_delay(rossi_client, service, api, receiver, post_package):
    set_webhook(rossi_client, service, receiver)
    Receiver.answers = [500, 503]
    start = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        post_package(api, {"a.pdf": files.upload("a.pdf", files.pdf())})
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 1 and delivery.delivered_at is None
        assert delivery.next_attempt_at == start + datetime.timedelta(seconds=30)
        call_command("api_webhooks")  # not due yet
        assert len(Receiver.received) == 1
    with time_machine.travel(start + datetime.timedelta(seconds=31), tick=False):
        call_command("api_webhooks")
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and delivery.next_attempt_at == start + datetime.timedelta(seconds=91)
    with time_machine.travel(start + datetime.timedelta(seconds=92), tick=False):
        call_command("api_webhooks")
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 3
    assert len({json.loads(body)["id"] for _headers, body in Receiver.received}) == 1  # one event, sent thrice


def test_a_rejection_is_announced_too(rossi_client, service, api, receiver, post_package):
    set_webhook(rossi_client, service, receiver)
    post_package(api, {"finto.pdf": files.upload("finto.pdf", b"MZ not a pdf")})
    assert json.loads(Receiver.received[0][1])["type"] == "package.rejected"


def test_removing_the_webhook_stops_the_calls(rossi_client, service, api, receiver, post_package):
    set_webhook(rossi_client, service, receiver)
    rossi_client.post(reverse("api_keys:webhook_remove", args=[service.public_id]))
    assert not Webhook.objects.exists()
    post_package(api, {"a.pdf": files.upload("a.pdf", files.pdf())})
    assert Receiver.received == []


def test_private_addresses_and_plain_http_are_refused_in_production(rossi_client, service, settings):
    settings.API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    for url in ("https://127.0.0.1/hook", "https://10.0.0.8/hook", "http://example.com/hook"):
        page, shown = set_webhook(rossi_client, service, url)
        assert page.status_code == 422 and shown is None, url
    assert not Webhook.objects.exists()


def test_another_customer_cannot_set_or_remove_the_webhook(bianchi_client, service, receiver):
    assert set_webhook(bianchi_client, service, receiver)[0].status_code == 404
    assert bianchi_client.post(reverse("api_keys:webhook_remove", args=[service.public_id])).status_code == 404


def test_setting_the_webhook_needs_a_post_with_csrf(rossi, service, receiver):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rossi.user)
    assert client.post(reverse("api_keys:webhook", args=[service.public_id]), {"url": receiver}).status_code == 403
    assert client.get(reverse("api_keys:webhook", args=[service.public_id])).status_code == 405


def test_the_guides_signature_recipe_checks_a_real_call(rossi_client, service, api, receiver, post_package):
    from tests.api.test_guide import GUIDE

    recipe = re.search(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL).group(1)
    namespace: dict = {}
    exec(recipe, namespace)  # noqa: S102 - the guide's own example  # nosec B102
    _page, shown = set_webhook(rossi_client, service, receiver)
    post_package(api, {"a.pdf": files.upload("a.pdf", files.pdf())})
    headers, body = Receiver.received[0]
    assert namespace["is_from_conserva"](shown.group(1), body, headers["Conserva-Signature"])
    assert not namespace["is_from_conserva"]("whsec_other", body, headers["Conserva-Signature"])
    assert not namespace["is_from_conserva"](shown.group(1), body + b" ", headers["Conserva-Signature"])
