"""Malformed, forged or flooding notifications: a clear 400 recorded as refused, never a 500, nothing
changed; what refusals store is capped in size and in number an hour."""

import datetime
import json
import logging

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from orders.models import Order
from orders.services import order_place_first_purchase
from payments.models import Payment, RefusedWebhook, SavedCard, WebhookEvent
from tests.payments import notify

pytestmark = pytest.mark.django_db
URL = reverse("payments:webhook", args=["sandbox"])
CARD = {"token": "tok_1", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}


@pytest.fixture
def order(rossi, plan):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


def valid(order) -> dict:
    return json.loads(notify.event(order))


def post(client, body: bytes, *, signed: bool = True, header: str | None = None):
    if header is None:
        header = notify.signature(body) if signed else ""
    return client.post(URL, body, content_type="application/json", headers={"Conserva-Signature": header})


def assert_nothing_changed(order):
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and not WebhookEvent.objects.exists() and not SavedCard.objects.exists()


def with_data(data):
    return lambda event: event | {"data": data}


def with_field(name, value):
    return lambda event: event | {"data": event["data"] | {name: value}}


MALFORMED = {
    "data-is-a-list": (with_data([1, 2]), "data is a list, not an object"),
    "data-is-a-string": (with_data("pagato"), "data is a str, not an object"),
    "data-is-null": (with_data(None), "data is a NoneType, not an object"),
    "data-is-a-number": (with_data(3.5), "data is a float, not an object"),
    "data-is-true": (with_data(True), "data is a bool, not an object"),
    "data-is-missing": (lambda event: {"id": event["id"], "type": event["type"]}, "data is missing"),
    "id-is-a-list": (lambda event: event | {"id": ["x"]}, "id is a list"),
    "id-is-null": (lambda event: event | {"id": None}, "id is a NoneType"),
    "id-too-long": (lambda event: event | {"id": "e" * 101}, "event_id must have 1 to 100"),
    "type-is-an-object": (lambda event: event | {"type": {}}, "type is a dict"),
    "type-unknown": (lambda event: event | {"type": "payment.refunded"}, "unknown type"),
    "amount-is-a-list": (with_field("amount", ["353.80"]), "data.amount is a list"),
    "amount-is-a-float": (with_field("amount", 353.8), "data.amount is a float"),
    "amount-is-a-word": (with_field("amount", "molti"), "data.amount is not an amount"),
    "amount-is-nan": (with_field("amount", "NaN"), "data.amount is not an amount"),
    "amount-is-infinite": (with_field("amount", "-Infinity"), "data.amount is not an amount"),
    "amount-is-huge": (with_field("amount", "1e999999"), "data.amount is not an amount"),
    "amount-is-true": (with_field("amount", True), "data.amount is a bool"),
    "currency-is-a-number": (with_field("currency", 978), "data.currency is a int"),
    "currency-too-long": (with_field("currency", "EURO"), "3-letter"),
    "metadata-is-a-list": (with_field("metadata", ["2026-000001"]), "data.metadata is a list, not an object"),
    "order-number-is-a-number": (with_field("metadata", {"order_number": 1}), "order_number is a int"),
    "payment-id-is-an-object": (with_field("id", {"a": 1}), "data.id is a dict"),
    "payment-id-is-empty": (with_field("id", ""), "payment_id must have 1 to 100"),
    "card-is-a-list": (with_field("card", ["4242"]), "data.card is a list"),
    "card-has-other-fields": (with_field("card", CARD | {"number": "4242424242424242"}), "other fields"),
    "card-month-is-a-string": (with_field("card", CARD | {"exp_month": "12"}), "exp_month is a str"),
    "card-month-is-13": (with_field("card", CARD | {"exp_month": 13}), "card.exp_month is not a number"),
    "card-brand-too-long": (with_field("card", CARD | {"brand": "b" * 21}), "card.brand is not a text"),
    "failure-is-an-object": (with_field("failure_message", {"x": 1}), "failure_message is a dict"),
    "nul-in-an-unread-field": (with_field("note", "a\x00b"), "NUL"),
    "lone-surrogate": (with_field("note", "\ud800"), "surrogate"),
}


@pytest.mark.parametrize(("change", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_but_malformed_notification_is_a_400_recorded_as_refused(client, order, change, reason):
    body = json.dumps(change(valid(order))).encode()

    response = post(client, body)

    assert response.status_code == 400
    refusal = RefusedWebhook.objects.get()
    assert "unreadable notification" in refusal.reason and reason in refusal.reason
    assert response.content.decode() == refusal.reason
    assert_nothing_changed(order)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[1, 2, 3]", "a JSON list, not an object"),
        (b'"payment"', "a JSON str, not an object"),
        (b"null", "a JSON NoneType, not an object"),
        (b"42", "a JSON int, not an object"),
        (b"", "not JSON"),
        (b"{", "not JSON"),
        (b'{"id": NaN}', "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"id": "evt_1", "type": "payment.succeeded", "data": {"id": "\\u0000"}}', "NUL"),
    ],
    ids=["list", "string", "null", "number", "empty", "truncated", "nan", "not-utf8", "deeply-nested", "nul"],
)
def test_a_signed_body_that_is_not_a_json_object_is_refused(client, order, body, reason):
    response = post(client, body)

    assert response.status_code == 400
    assert reason in RefusedWebhook.objects.get().reason
    assert_nothing_changed(order)


def test_a_signature_header_with_other_than_ascii_is_refused(client, order):
    body = notify.event(order)
    response = post(client, body, header="t=1,v1=é" + notify.signature(body).split("v1=")[1])
    assert response.status_code == 400 and "malformed" in RefusedWebhook.objects.get().reason
    assert_nothing_changed(order)


def test_a_refusal_from_an_address_that_is_not_one_keeps_no_address(client, order):
    response = client.post(URL, b"{}", content_type="application/json", REMOTE_ADDR="unix:/run/gunicorn.sock")
    assert response.status_code == 400 and RefusedWebhook.objects.get().remote_addr is None


def test_a_refused_body_is_kept_only_up_to_the_limit_and_marked_cut(client, order, settings):
    settings.WEBHOOK_REFUSED_BODY_MAX_BYTES = 1024
    body = json.dumps({"padding": "è" * 5000}).encode()

    assert post(client, body, signed=False).status_code == 400

    kept = RefusedWebhook.objects.get().body
    kept_part, marker = kept.rsplit("\n", 1)
    assert len(kept_part.encode()) <= 1024 + 2  # the last character, cut in half, is one replacement mark
    assert marker == f"[… troncato: {len(body)} byte in tutto]"


def test_a_short_refused_body_is_kept_whole(client, order):
    post(client, b'{"hello": "world"}', signed=False)
    assert RefusedWebhook.objects.get().body == '{"hello": "world"}'


def test_a_nul_byte_in_an_unsigned_body_is_kept_as_a_replacement_mark(client, order):
    assert post(client, b'{"a": "\x00"}', signed=False).status_code == 400
    assert RefusedWebhook.objects.get().body == '{"a": "\ufffd"}'


def test_past_the_hourly_cap_refusals_are_only_logged(client, order, settings, caplog):
    settings.WEBHOOK_REFUSALS_KEPT_PER_HOUR = 3
    caplog.set_level(logging.WARNING, logger="payments.webhooks")

    responses = [post(client, b"{}", signed=False) for _ in range(5)]

    assert [r.status_code for r in responses] == [400] * 5
    assert RefusedWebhook.objects.count() == 3
    assert caplog.text.count("refused sandbox notification not kept: 3 refusals already kept in the last hour") == 2
    assert caplog.text.count("refused sandbox notification from") == 5

    with time_machine.travel(datetime.timedelta(hours=1, minutes=1)):
        post(client, b"{}", signed=False)
    assert RefusedWebhook.objects.count() == 4
    assert_nothing_changed(order)


def test_a_well_formed_notification_still_pays_and_saves_the_card(client, order):
    body = json.dumps(valid(order) | {"data": valid(order)["data"] | {"card": CARD}}).encode()
    assert post(client, body).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE and SavedCard.objects.get().last4 == "4242"


# Hypothesis: random bodies, signed or not, well-formed JSON or not.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
PATHS = ["id", "type", "data", "data.id", "data.amount", "data.currency", "data.metadata", "data.metadata.order_number"]
PATHS += ["data.card", "data.failure_message"]


def replaced(event: dict, path: str, value) -> dict:
    event = json.loads(json.dumps(event))
    *parents, last = path.split(".")
    container = event
    for key in parents:
        container = container[key]
    container[last] = value
    return event


@st.composite
def bodies(draw, event: dict) -> bytes:
    kind = draw(st.sampled_from(["random-json", "one-field-changed", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "random-json":
        return json.dumps(draw(json_values)).encode()
    return json.dumps(replaced(event, draw(st.sampled_from(PATHS)), draw(json_values))).encode()


FUZZ = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ
@given(data=st.data(), signed=st.booleans())
def test_no_body_signed_or_not_gives_a_server_error_or_changes_anything_when_refused(client, order, data, signed):
    event = valid(order) | {"type": data.draw(st.sampled_from(["payment.succeeded", "payment.failed"]))}
    body = data.draw(bodies(event))
    before = (Payment.objects.count(), WebhookEvent.objects.count(), SavedCard.objects.count())
    order.refresh_from_db()
    status_before, error_before = order.status, order.last_payment_error

    response = post(client, body, signed=signed)

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert (Payment.objects.count(), WebhookEvent.objects.count(), SavedCard.objects.count()) == before
        order.refresh_from_db()
        assert (order.status, order.last_payment_error) == (status_before, error_before)
    if not signed:
        assert response.status_code == 400
