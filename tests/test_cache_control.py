"""Private pages and documents carry Cache-Control: no-store, private; public pages do not."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PendingSignUp
from accounts.services import customer_sign_up_request, email_verification_token, pending_sign_up_link_token
from accounts.views import SIGNED_UP_EMAIL
from archive.models import Document
from billing.models import Invoice
from orders.models import Order
from tests import cast
from tests.archive import files
from tests.archive.conftest import _archive_in_a_temporary_folder, deposit, document_classes  # noqa: F401  (fixtures)
from tests.panel.conftest import panel, panel_url, service  # noqa: F401  (fixtures)
from tests.panel.test_entry import enter

pytestmark = pytest.mark.django_db


def assert_private(response):
    assert response.status_code == 200, response
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (response.request["PATH_INFO"], response.get("Cache-Control"))


def customer_urls(service):  # noqa: F811
    order = Order.objects.filter(service=service).first()
    invoice = Invoice.objects.get(order=order)
    return [
        reverse("subscriptions:list"),
        reverse("subscriptions:detail", args=[service.public_id]),
        reverse("orders:list"),
        reverse("orders:detail", args=[order.number]),
        reverse("billing:list"),
        reverse("billing:pdf", args=[invoice.public_id]),
        reverse("billing:xml", args=[invoice.public_id]),
        reverse("accounts:profile"),
        reverse("payments:saved_card"),
        reverse("support:request"),
        reverse("support:help"),  # a public page, but signed in it shows the customer's menu
    ]


def test_every_page_and_document_of_the_customer_area_is_no_store(panel, service):  # noqa: F811
    for url in customer_urls(service):
        assert_private(panel.get(url))


def test_every_page_and_document_of_the_panel_is_no_store(panel, service):  # noqa: F811
    accepted = deposit(service, {"verbale.pdf": files.pdf("Verbale")})
    document = Document.objects.get()
    urls = [
        panel_url("home", service),
        panel_url("deposit", service),
        panel_url("deposits", service),
        panel_url("deposit_detail", service, accepted.public_id),
        panel_url("receipt", service, accepted.public_id),
        panel_url("receipt_xml", service, accepted.public_id),
        panel_url("documents", service),
        panel_url("document", service, document.public_id),
        panel_url("download", service, document.public_id),
    ]
    for url in urls:
        response = panel.get(url)
        assert_private(response)
        if url.endswith("/scarica/"):
            assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_back_office_is_no_store(admin_client, rossi, plan, today):
    paid = cast.active_service(rossi, plan, activated_on=today)
    invoice = Invoice.objects.get(order__service=paid)
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_customer_changelist"),
        reverse("admin:accounts_customer_change", args=[rossi.pk]),
        reverse("admin:billing_invoice_changelist"),
        reverse("admin:billing_invoice_change", args=[invoice.pk]),
    ]:
        assert_private(admin_client.get(url))
    download = admin_client.post(
        reverse("admin:billing_invoice_changelist"), {"action": "download_pdf", "_selected_action": [invoice.pk]}
    )
    assert download["Content-Type"] == "application/pdf"
    assert_private(download)


def test_the_pages_that_show_an_address_to_someone_not_signed_in_are_no_store(db):
    unverified = cast.customer("fresh@example.com", "Fresh S.r.l.", email_verified=False).user
    assert_private(Client().get(reverse("accounts:email_verify", args=[email_verification_token(unverified)])))
    visitor = Client()
    session = visitor.session
    session[SIGNED_UP_EMAIL] = "fresh@example.com"
    session.save()
    assert_private(visitor.get(reverse("accounts:signup_done")))
    customer_sign_up_request(email="nuovo@example.com", password=cast.PASSWORD, company=cast.company())
    token = pending_sign_up_link_token(pending_id=PendingSignUp.objects.get().pk)
    assert_private(Client().get(reverse("accounts:signup_confirm", args=[token])))


@pytest.mark.parametrize("name", ["accounts:signup", "accounts:password_reset"])
def test_public_pages_are_left_to_the_browser(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_file_responses_say_no_store_even_without_the_middleware(rossi, service, settings):  # noqa: F811
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "conserva.middleware.PrivateResponsesMiddleware"]
    client = Client()  # a client loads the middleware at its first request
    client.force_login(rossi.user)
    enter(client, service)
    accepted = deposit(service, {"verbale.pdf": files.pdf("Verbale")})
    invoice = Invoice.objects.get(order__service=service)
    for url in [
        reverse("billing:pdf", args=[invoice.public_id]),
        reverse("billing:xml", args=[invoice.public_id]),
        panel_url("receipt_xml", service, accepted.public_id),
        panel_url("download", service, Document.objects.get().public_id),
    ]:
        assert_private(client.get(url))
    assert "no-store" not in client.get(reverse("orders:list")).get("Cache-Control", "")  # the middleware's part
