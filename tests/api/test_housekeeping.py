"""The API's rows kept only for a while are deleted by the hourly pruning; what is still needed stays."""

import datetime

import pytest
import time_machine
from django.core.management import call_command

from api.models import ApiKey, IdempotentRequest, RequestCount, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def test_old_counts_answers_and_deliveries_go_and_the_recent_stay(service, secret, settings):
    key = ApiKey.objects.get()
    webhook = Webhook.objects.create(
        service=service, url="https://erp.example.com/h", secret="s", created_by=key.created_by
    )
    hours = datetime.timedelta(hours=1)
    for window_start in (NOW - 3 * hours, NOW):
        RequestCount.objects.create(api_key=key, window_start=window_start, count=1)
    for n, created_at in enumerate((NOW - 100 * hours, NOW - hours)):
        IdempotentRequest.objects.create(
            api_key=key, key=f"k{n}", request_sha256="x", status_code=201, created_at=created_at
        )
    old, failing = NOW - datetime.timedelta(days=40), NOW - datetime.timedelta(days=40)
    WebhookDelivery.objects.create(webhook=webhook, event_id="00000000-0000-0000-0000-000000000001", event="e",
                                   body="{}", created_at=old, delivered_at=old)  # fmt: skip
    WebhookDelivery.objects.create(webhook=webhook, event_id="00000000-0000-0000-0000-000000000002", event="e",
                                   body="{}", created_at=failing, next_attempt_at=NOW + hours)  # fmt: skip

    with time_machine.travel(NOW, tick=False):
        call_command("api_webhooks")

    assert list(RequestCount.objects.values_list("window_start", flat=True)) == [NOW]
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["k1"]
    assert list(WebhookDelivery.objects.values_list("next_attempt_at", flat=True)) == [NOW + hours]  # still tried


def test_operators_see_webhooks_and_their_deliveries_but_never_the_secret(admin_client, service, secret):
    key = ApiKey.objects.get()
    webhook = Webhook.objects.create(
        service=service, url="https://erp.example.com/h", secret="whsec_never_shown", created_by=key.created_by
    )
    WebhookDelivery.objects.create(
        webhook=webhook, event_id="00000000-0000-0000-0000-000000000003", event="package.accepted", body="{}",
        last_response="500 boom",
    )  # fmt: skip
    for path in (f"/admin/api/webhook/{webhook.pk}/change/", "/admin/api/webhookdelivery/", "/admin/api/webhook/"):
        page = admin_client.get(path)
        assert page.status_code == 200 and "whsec_never_shown" not in page.content.decode(), path
    assert "500 boom" in admin_client.get("/admin/api/webhookdelivery/").content.decode()
