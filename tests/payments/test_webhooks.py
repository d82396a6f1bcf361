import datetime
import io
import json
import time

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from billing.models import Invoice
from orders.models import Order
from orders.services import order_cancel, order_place_first_purchase
from payments.models import Payment, PaymentIssue, RefusedWebhook, WebhookEvent
from sandbox.models import Notification
from tests.payments import notify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(rossi, plan):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def test_a_notification_delivered_twice_pays_once(client, order):
    body = notify.event(order)
    assert notify.deliver(client, body).status_code == 200
    again = notify.deliver(client, body)

    assert again.status_code == 200 and again.content == b"already received"
    assert Payment.objects.filter(order=order).count() == 1
    assert Invoice.objects.filter(order=order).count() == 1
    assert WebhookEvent.objects.count() == 1


def test_a_late_redelivery_signed_again_an_hour_later_still_counts_once(client, order):
    body = notify.event(order)
    notify.deliver(client, body)
    assert client.post(reverse("payments:webhook", args=["sandbox"])).status_code == 400  # noise in between

    with time_machine.travel(datetime.timedelta(hours=1)):
        response = notify.deliver(client, body)  # a retry is signed when it is sent
    assert response.status_code == 200 and response.content == b"already received"
    assert Payment.objects.count() == 1


def test_the_same_payment_in_two_different_events_counts_once(client, order):
    notify.deliver(client, notify.event(order, payment_id="sbx_same"))
    notify.deliver(client, notify.event(order, payment_id="sbx_same"))
    assert Payment.objects.count() == 1
    assert WebhookEvent.objects.count() == 2


def test_a_failure_arriving_after_the_success_changes_nothing(client, order, mailoutbox):
    notify.deliver(client, notify.event(order, payment_id="sbx_1"))
    mailoutbox.clear()
    response = notify.deliver(
        client, notify.event(order, kind="payment.failed", payment_id="sbx_1", failure_message="x")
    )

    assert response.content == b"failure ignored: order no longer waiting"
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda body: (body, notify.signature(body, secret="guessed")), "bad signature"),
        (lambda body: (body.replace(b"353.80", b"0.01"), notify.signature(body)), "bad signature"),
        (lambda body: (body, notify.signature(body, at=time.time() - 301)), "tolerance"),
        (lambda body: (body, ""), "malformed"),
    ],
    ids=["other-secret", "tampered-body", "replayed-after-5-minutes", "unsigned"],
)
def test_a_forged_or_replayed_notification_is_refused_and_logged(client, order, forge, reason, caplog):
    data, header = forge(notify.event(order))
    response = client.post(
        reverse("payments:webhook", args=["sandbox"]),
        data,
        content_type="application/json",
        headers={"Conserva-Signature": header},
    )

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and not WebhookEvent.objects.exists()
    assert reason in RefusedWebhook.objects.get().reason
    assert "refused sandbox notification" in caplog.text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": "1.00"}, "non corrisponde"),
        ({"currency": "USD"}, "non corrisponde"),
    ],
)
def test_another_amount_or_currency_is_refused(client, order, changes, reason):
    response = notify.deliver(client, notify.event(order, **changes))
    assert response.status_code == 400
    assert reason in RefusedWebhook.objects.get().reason
    assert not Payment.objects.exists()


def test_a_notification_for_an_unknown_order_is_refused(client, order):
    order.number = "2026-999999"  # not saved: the gateway names an order we never made
    response = notify.deliver(client, notify.event(order))
    assert response.status_code == 400
    assert "2026-999999" in RefusedWebhook.objects.get().reason


def test_an_unreadable_but_signed_notification_is_refused(client, db):
    response = notify.deliver(client, b'{"id": "evt_1", "type": "payment.succeeded"}')
    assert response.status_code == 400
    assert "unreadable" in RefusedWebhook.objects.get().reason


def test_a_payment_for_a_cancelled_order_goes_to_credit_and_the_queue(client, rossi, order):
    order_cancel(order_id=order.pk, actor=rossi.user)
    assert notify.deliver(client, notify.event(order)).status_code == 200

    payment = Payment.objects.get()
    assert not payment.applied
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.customer, issue.order, issue.amount) == ("CREDITO", rossi, order, order.total)
    assert not Invoice.objects.exists()


def test_only_providers_that_send_notifications_have_an_endpoint(client, db):
    assert client.post(reverse("payments:webhook", args=["bonifico"])).status_code == 404
    assert client.post(reverse("payments:webhook", args=["nope"])).status_code == 404
    assert client.get(reverse("payments:webhook", args=["sandbox"])).status_code == 405


def test_the_sandbox_delivers_a_notification_the_webhook_would_accept_again(rossi_client, client, order):
    """The body the sandbox signed and delivered, replayed on the HTTP endpoint, counts once."""
    pay_on_the_sandbox_page(rossi_client, order)
    delivered = json.dumps(WebhookEvent.objects.get().payload).encode()

    assert notify.deliver(client, delivered).content == b"already received"
    assert Payment.objects.count() == 1


def pay_on_the_sandbox_page(rossi_client, order):
    from tests import cast

    checkout_url = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA")).url
    rossi_client.post(checkout_url, {"holder": "M", "number": "4242424242424242", "expiry": "12/30", "cvc": "123"})


def test_a_notification_lost_on_the_way_is_sent_again_until_accepted(rossi_client, order, monkeypatch):
    from django.db import OperationalError

    from payments import webhooks

    def database_gone(*args, **kwargs):
        raise OperationalError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(webhooks, "_apply_once", database_gone)
        pay_on_the_sandbox_page(rossi_client, order)
    order.refresh_from_db()
    assert order.is_awaiting_payment  # charged at the gateway, not yet known here
    assert Notification.objects.get().delivered_at is None

    call_command("sandbox_redeliver", stdout=io.StringIO())
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    assert Notification.objects.get().delivered_at is not None


def test_sending_every_notification_again_changes_nothing(rossi_client, order):
    pay_on_the_sandbox_page(rossi_client, order)
    output = io.StringIO()
    call_command("sandbox_redeliver", "--all", stdout=output)

    assert "already received" in output.getvalue()
    assert Payment.objects.count() == 1 and Invoice.objects.count() == 1
    assert Notification.objects.get().attempts == 2
