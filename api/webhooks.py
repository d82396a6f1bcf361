"""Webhook calls: each package's outcome posted to the address the customer set, signed with
lib.signing ("Conserva-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>." + body>"), sent at once
by a task and again by `manage.py api_webhooks` with a doubling delay until a 2xx answer."""

import datetime
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F

from api.models import Webhook, WebhookDelivery
from api.representations import package_view
from api.schemas import PackageOut
from archive.models import Deposit
from lib import clock, signing

TIMEOUT_SECONDS = 10
EVENTS = {Deposit.Status.ACCEPTED: "package.accepted", Deposit.Status.REJECTED: "package.rejected"}


class UnsafeAddress(Exception):
    """The webhook's host resolves to an address of our own network: not called (SSRF)."""


def webhook_queue(deposit: Deposit) -> WebhookDelivery | None:
    """The package's outcome, queued for the service's webhook if it has one (api.tasks sends it)."""
    webhook = Webhook.objects.filter(service_id=deposit.service_id).first()
    if webhook is None:
        return None
    event_id = uuid.uuid4()
    package = PackageOut.model_validate(package_view(deposit)).model_dump(mode="json")
    body = {"id": str(event_id), "type": EVENTS[deposit.status], "created": clock.now().isoformat(), "package": package}
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_id=event_id,
        event=body["type"],
        body=json.dumps(body, ensure_ascii=False),
        next_attempt_at=clock.now(),
    )
    return delivery


def due_deliveries() -> list[int]:
    return list(
        WebhookDelivery.objects.filter(delivered_at=None, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def webhook_deliver(delivery_id: int) -> str:
    """Posts the delivery if it is still due and no other process holds it; says what happened."""
    delivery = _claimed(delivery_id)
    if delivery is None:
        return "not due"
    try:
        status, answer = _post(delivery.webhook, delivery.body.encode())
    except (OSError, http.client.HTTPException, UnsafeAddress) as error:
        status, answer = 0, f"{type(error).__name__}: {error}"
    delivered = 200 <= status < 300
    attempts = delivery.attempts + 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        last_response=f"{status} {answer}"[:300],
        delivered_at=clock.now() if delivered else None,
        next_attempt_at=None if delivered else _next_attempt(attempts),
    )
    return f"{status} {answer}"[:300]


def _claimed(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, held for this attempt: its next attempt moved past the call's timeout, so a
    second process (another worker, the retry command) does not post it at the same time."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("webhook")
            .filter(pk=delivery_id, delivered_at=None, next_attempt_at__lte=clock.now())
            .first()
        )
        if delivery is not None:
            held = clock.now() + datetime.timedelta(seconds=TIMEOUT_SECONDS * 3)
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=held)
    return delivery


def _next_attempt(attempts: int) -> datetime.datetime | None:
    """30 s after the first failure, doubling up to 6 hours; none after API_WEBHOOK_ATTEMPTS."""
    if attempts >= settings.API_WEBHOOK_ATTEMPTS:
        return None
    return clock.now() + datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _post(webhook: Webhook, body: bytes) -> tuple[int, str]:
    url = urllib.parse.urlsplit(webhook.url)
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    refuse_unsafe_host(host, port)
    if url.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    event = json.loads(body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Conserva-Webhook/1",
        "Conserva-Event": event["type"],
        "Conserva-Event-Id": event["id"],
        signing.HEADER: signing.sign(secret=webhook.secret, body=body, timestamp=int(time.time())),
    }
    try:
        connection.request("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""), body, headers)
        response = connection.getresponse()
        return response.status, response.read(200).decode(errors="replace")
    finally:
        connection.close()


def refuse_unsafe_host(host: str, port: int) -> None:
    """Refuses a host that resolves to a loopback, private, link-local or reserved address, unless
    API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES (development and tests, where the receiver is on loopback)."""
    if settings.API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    for *_rest, address in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise UnsafeAddress(f"{host} resolves to {ip}, not a public address")
