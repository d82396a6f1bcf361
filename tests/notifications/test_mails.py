"""The customer's mails, sent through a real SMTP server on loopback (aiosmtpd)."""

import io

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from orders.services import order_cancel, order_choose_transfer, order_place_first_purchase
from payments.transfers import statement_import
from tests import cast
from tests.payments import camt

pytestmark = pytest.mark.django_db(transaction=True)  # mails leave after a real commit
CARD = {"holder": "Mario Rossi", "expiry": "12/30", "cvc": "123"}


def parts(message) -> tuple[str, str, list]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html, list(message.iter_attachments())


def test_an_order_made_mails_how_to_pay(inbox, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)

    ((to, message),) = inbox.messages
    assert to == ["rossi@example.com"]
    assert message["Subject"] == f"Ordine {order.number} ricevuto: come pagare"
    text, html, attachments = parts(message)
    for body in (text, html):
        assert "IT60X0542811101000000123456" in body and f"Ordine {order.number}" in body
        assert f"/ordini/{order.number}/paga/" in body
    assert attachments == []


def test_a_card_payment_mails_the_invoice_and_a_declined_one_says_so(inbox, rossi_client, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    checkout = rossi_client.post(reverse("payments:pay", args=[order.number]), cast.pay_form("CARTA")).url
    rossi_client.post(checkout, CARD | {"number": "4000000000000002"})
    rossi_client.post(checkout, CARD | {"number": "4242424242424242"})

    failed = inbox.find("Pagamento non riuscito")
    assert "carta rifiutata" in parts(failed)[0]
    received = inbox.find("Pagamento ricevuto")
    text, _html, (attachment,) = parts(received)
    assert "fattura n. 2026/000001" in text
    assert attachment.get_filename() == "fattura-2026-000001.pdf"
    pdf = attachment.get_content()
    assert "Fattura n. 2026/000001" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_registered_transfer_mails_the_invoice(inbox, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_choose_transfer(order_id=order.pk, actor=rossi.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )

    message = inbox.find("Bonifico registrato")
    assert parts(message)[2][0].get_content_type() == "application/pdf"
    assert not any("Pagamento ricevuto" in subject for subject in inbox.subjects())


def test_a_customer_who_chose_english_gets_english_mails(inbox, plan):
    customer = cast.customer("smith@example.com", "Smith Ltd")
    customer.language = "en"
    customer.save()
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)

    message = inbox.find(order.number)
    assert message["Subject"] == f"Order {order.number} received: how to pay"
    assert "Bank transfer" in parts(message)[0] or "bank transfer" in parts(message)[0]


def test_nothing_is_mailed_when_the_transaction_rolls_back(inbox, rossi, plan):
    with pytest.raises(RuntimeError), transaction.atomic():
        order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
        raise RuntimeError("something failed after the order")
    assert inbox.messages == []


def test_money_for_a_cancelled_order_mails_that_it_is_a_credit(inbox, rossi, plan):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    order_cancel(order_id=order.pk, actor=rossi.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )

    message = inbox.find("credito a tuo favore")
    assert "annullato" in parts(message)[0]


def test_the_plain_text_says_apostrophes_and_ampersands_as_they_are(inbox, plan):
    customer = cast.customer("arte@example.com", "L'Arte & Co. S.r.l.")
    order = order_place_first_purchase(customer=customer, plan=plan, actor=customer.user)
    order_cancel(order_id=order.pk, actor=customer.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )

    text, html, _attachments = parts(inbox.find("credito a tuo favore"))
    assert "Gentile L'Arte & Co. S.r.l.," in text and "L'ordine" in text
    assert "&#x27;" not in text and "&amp;" not in text
    assert "L&#x27;Arte &amp; Co." in html  # the HTML part stays escaped
