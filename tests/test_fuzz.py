"""Random values for every field of every customer form: never a server error (the test client
re-raises one), and nothing half-written: a refused form leaves every row as it was, an accepted
one writes the whole of what it makes.

Values: text with control characters, huge strings, numbers and dates out of range, the field
given twice, fields missing, any Unicode. The webhook's own fuzz test is in
tests/payments/test_webhook_refusals.py."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Customer, PendingSignUp, User
from archive.models import Deposit, Document
from catalog.models import SpaceStep
from orders.models import Order
from orders.services import order_place_first_purchase
from payments.models import Payment
from subscriptions.models import Service
from support.models import AssistanceRequest
from tests import cast
from tests.archive import files
from tests.archive.conftest import _archive_in_a_temporary_folder, document_classes  # noqa: F401  (fixtures)
from tests.panel.conftest import panel, panel_url, service  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
SPECIAL = [
    "",
    " ",
    "\x00",
    "\r\n",
    "a\x01b",
    "a\x0bb",
    "\x7f",
    "\u2028",
    "\u202e",
    "0",
    "-1",
    "9" * 40,
    "1e999",
    "NaN",
    "2026-02-30",
    "99/99",
    "true",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "Caffè € 😀",
    str(uuid.uuid4()),
    "x" * 100_000,
]
TEXT = st.characters(exclude_categories=["Cs"])  # a lone surrogate cannot even be sent as UTF-8
VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(TEXT, max_size=40),
    st.text(TEXT, min_size=200, max_size=3000),
    st.integers().map(str),
    st.lists(st.text(TEXT, max_size=20), min_size=2, max_size=3),  # the field given twice
)


def changed(valid: dict, fields: list[str]):
    """A valid form with some fields random or missing, or only random fields."""
    random = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUES))
    missing = st.sets(st.sampled_from(fields), max_size=3)
    start = st.sampled_from([valid, {}])
    return st.builds(
        lambda base, new, gone: {k: v for k, v in (base | new).items() if k not in gone}, start, random, missing
    )


def counts() -> dict:
    models = [User, Customer, PendingSignUp, Order, Service, Payment, AssistanceRequest, Deposit, Document]
    return {model.__name__: model.objects.count() for model in models}


def assert_no_half_orders():
    """Every first purchase has its service, every service its first purchase."""
    assert (
        not Order.objects.filter(kind=Order.Kind.FIRST_PURCHASE, service__isnull=True)
        .exclude(status=Order.Status.CANCELLED)
        .exists()
    )
    assert Service.objects.count() <= Order.objects.filter(kind=Order.Kind.FIRST_PURCHASE).count()


SIGNUP_FIELDS = ["account-email", "account-password"] + [
    f"company-{key}" for key in [*cast.company(), "kind", "country", "first_name", "last_name", "cig", "cup"]
]
SIGNUP_VALID = {"account-email": "nuovo@example.com", "account-password": cast.PASSWORD} | {
    f"company-{key}": value for key, value in cast.company().items()
}


@FUZZ
@given(data=changed(SIGNUP_VALID, SIGNUP_FIELDS))
def test_sign_up(db, data):
    before = counts()
    response = Client().post(reverse("accounts:signup"), data)
    after = counts()
    if response.status_code == 200:
        assert after == before
    else:
        assert response.status_code == 302
        # The sign-up keeps a pending sign-up and makes no account; its link makes one, whole.
        assert after["User"] == before["User"] and after["Customer"] == before["Customer"]
        assert after["PendingSignUp"] - before["PendingSignUp"] in (0, 1)
        pending = PendingSignUp.objects.filter(email=data.get("account-email", "").lower()).first()
        if pending is not None:
            cast.confirm_sign_up(pending.email)
            confirmed = counts()
            assert confirmed["User"] - after["User"] == confirmed["Customer"] - after["Customer"] == 1


PROFILE_FIELDS = [*cast.company(), "kind", "country", "first_name", "last_name", "cig", "cup"]


@FUZZ
@given(data=changed(cast.company(), PROFILE_FIELDS))
def test_profile(rossi_client, rossi, data):
    before = model_to_dict(Customer.objects.get(pk=rossi.pk))
    response = rossi_client.post(reverse("accounts:profile"), data)
    if response.status_code == 200:
        assert model_to_dict(Customer.objects.get(pk=rossi.pk)) == before
    else:
        assert response.status_code == 302


ORDER_FIELDS = ["idempotency_key", "keep", "step", "method"]


@FUZZ
@given(data=changed(cast.order_form(), ORDER_FIELDS))
def test_buy_renew_and_add_space(rossi_client, rossi, plan, today, data):
    paid = Service.objects.filter(customer=rossi, status=Service.Status.ACTIVE).first() or cast.active_service(
        rossi, plan, activated_on=today
    )
    SpaceStep.objects.exists() or cast.space_step()
    for url in [
        reverse("orders:buy", args=[plan.code]),
        reverse("orders:renew", args=[paid.public_id]),
        reverse("orders:increase_space", args=[paid.public_id]),
    ]:
        before = counts()
        response = rossi_client.post(url, data)
        assert response.status_code in (200, 302)
        after = counts()
        assert after["Order"] - before["Order"] in (0, 1)
        assert_no_half_orders()


PAY_FIELDS = ["method", "idempotency_key"]


@FUZZ
@given(data=changed(cast.pay_form("BONIFICO"), PAY_FIELDS), declare=st.booleans())
def test_pay_and_declare_a_transfer(rossi_client, rossi, plan, data, declare):
    order = Order.objects.filter(customer=rossi, status=Order.Status.AWAITING_PAYMENT).first()
    if order is None:
        order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    before = counts()
    response = rossi_client.post(reverse("payments:pay", args=[order.number]), data)
    assert response.status_code in (200, 302)
    if declare:
        assert rossi_client.post(reverse("orders:declare_transfer", args=[order.number]), data).status_code == 302
    assert counts() == before  # choosing how to pay, or declaring, makes no payment


SUPPORT_FIELDS = ["service", "subject", "message", "phone"]


@FUZZ
@given(data=changed({"subject": "Aiuto", "message": "Non vedo i documenti"}, SUPPORT_FIELDS))
def test_support_request(rossi_client, data):
    before = counts()
    response = rossi_client.post(reverse("support:request"), data)
    after = counts()
    if response.status_code == 200:
        assert after == before
    else:
        assert response.status_code == 302 and after["AssistanceRequest"] == before["AssistanceRequest"] + 1


DEPOSIT_FIELDS = [
    "document_class",
    "identificativo",
    "data",
    "oggetto",
    "parole_chiave",
    "anno_fiscale",
    "ruolo",
    "denominazione",
    "partita_iva",
    "codice_fiscale",
]
PDF = files.pdf("Verbale")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    data=changed({"document_class": "documento-generico", "data": "2026-03-01", "oggetto": "Verbale"}, DEPOSIT_FIELDS)
)
def test_panel_deposit_metadata(panel, service, data):  # noqa: F811
    before = counts()
    response = panel.post(panel_url("deposit", service), data | {"files": SimpleUploadedFile("verbale.pdf", PDF)})
    after = counts()
    assert response.status_code in (200, 302, 422)  # 422: the package refused, with its reasons
    if after["Deposit"] == before["Deposit"]:
        assert after["Document"] == before["Document"]
    else:
        assert after["Deposit"] == before["Deposit"] + 1
        deposit = Deposit.objects.latest("pk")
        if deposit.status == Deposit.Status.ACCEPTED:
            assert deposit.documents.count() == 1


SEARCH_FIELDS = [
    "document_class",
    "date_from",
    "date_to",
    "subject_name",
    "tax_id",
    "number",
    "keyword",
    "sha256",
    "pagina",
]


@FUZZ
@given(data=changed({"keyword": "fattura"}, SEARCH_FIELDS))
def test_panel_search(panel, service, data):  # noqa: F811
    assert panel.get(panel_url("documents", service), data).status_code == 200
