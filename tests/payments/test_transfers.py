from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import Invoice
from orders.models import Order
from orders.services import order_cancel, order_choose_transfer, order_place_first_purchase
from payments.camt053 import StatementError, parse
from payments.errors import PaymentError
from payments.models import BankEntry, BankStatement, Payment, PaymentIssue
from payments.transfers import issue_pay_order, order_numbers_in, statement_import
from tests import cast
from tests.payments import camt

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(rossi, plan, today):
    order = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    return order_choose_transfer(order_id=order.pk, actor=rossi.user)


def test_the_order_shows_how_to_pay_and_the_customer_can_say_it_is_paid(rossi_client, order):
    url = reverse("orders:detail", args=[order.number])
    page = rossi_client.get(url).content.decode()
    expected = [
        "IT60X0542811101000000123456",
        "Conserva S.r.l.",
        "353,80",
        f"Ordine {order.number}",
        "non ancora dichiarato",
    ]
    for text in expected:
        assert text in page
    assert "non ancora dichiarato" in page

    rossi_client.post(reverse("orders:declare_transfer", args=[order.number]))
    order.refresh_from_db()
    assert order.transfer_declared_at is not None and order.is_awaiting_payment
    page = rossi_client.get(url).content.decode()
    assert "Bonifico dichiarato dal cliente il 10/03/2026: in attesa di registrazione." in page
    assert "Ho effettuato il bonifico" not in page


def test_only_a_transfer_can_be_declared_and_only_by_its_customer(rossi, plan, bianchi_client, today):
    unpaid = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    assert bianchi_client.post(reverse("orders:declare_transfer", args=[unpaid.number])).status_code == 404
    assert bianchi_client.get(reverse("orders:declare_transfer", args=[unpaid.number])).status_code in (404, 405)


def test_a_matching_credit_pays_the_order_and_issues_its_invoice(order):
    data = camt.statement(camt.entry("BANK-REF-1", "353.80", f"Pagamento Ordine {order.number} Studio Rossi"))
    summary = statement_import(data=data, operator=cast.operator())

    assert summary.paid == ["BANK-REF-1"] and summary.queued == []
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.provider_payment_id) == ("bonifico", "BANK-REF-1")
    assert Invoice.objects.get(order=order).payment_means == "MP05"
    assert BankEntry.objects.get().outcome == "PAGATO"


def test_importing_the_same_statement_twice_registers_once(order):
    data = camt.statement(camt.entry("BANK-REF-1", "353.80", f"Ordine {order.number}"))
    statement_import(data=data, operator=cast.operator())
    summary = statement_import(data=data, operator=cast.operator())

    assert (summary.paid, summary.queued, summary.already_imported) == ([], [], 1)
    assert Payment.objects.count() == 1 and Invoice.objects.count() == 1
    assert BankStatement.objects.count() == 1 and BankEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "remittance", "kind"),
    [
        ("300.00", "Ordine {number}", "PARZIALE"),
        ("400.00", "Ordine {number}", "ECCEDENTE"),
        ("353.80", "Canone marzo", "NON_ABBINATO"),
        ("353.80", "Ordine 2026-999999", "NON_ABBINATO"),
    ],
)
def test_partial_excess_and_unmatched_credits_wait_for_an_operator(order, amount, remittance, kind):
    data = camt.statement(camt.entry("BANK-REF-9", amount, remittance.format(number=order.number)))
    summary = statement_import(data=data, operator=cast.operator())

    assert summary.queued == ["BANK-REF-9"]
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.amount, issue.bank_entry.entry_ref) == (kind, Decimal(amount), "BANK-REF-9")
    order.refresh_from_db()
    assert order.is_awaiting_payment and not Payment.objects.exists()


def test_a_credit_naming_two_orders_waits_for_an_operator(rossi, bianchi, plan, order):
    other = order_place_first_purchase(customer=bianchi, plan=plan, actor=bianchi.user)
    data = camt.statement(camt.entry("R2", "353.80", f"Ordini {order.number} {other.number}"))
    statement_import(data=data, operator=cast.operator())
    issue = PaymentIssue.objects.get()
    assert issue.kind == "NON_ABBINATO" and "Più ordini" in issue.detail


def test_a_transfer_for_a_cancelled_order_becomes_credit(rossi, order):
    order_cancel(order_id=order.pk, actor=rossi.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.customer, issue.bank_entry.entry_ref) == ("CREDITO", rossi, "R1")


def test_a_statement_of_another_account_is_refused(order):
    data = camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")).replace(
        b"IT60X0542811101000000123456", b"IT02L1234512345123456789012"
    )
    with pytest.raises(StatementError, match="IT02L1234512345123456789012"):
        statement_import(data=data, operator=cast.operator())
    assert not BankEntry.objects.exists()


def test_debits_and_entries_not_yet_booked_are_skipped(order):
    data = camt.statement(
        camt.entry("D1", "10.00", "Commissioni", credit=False),
        camt.entry("P1", "353.80", f"Ordine {order.number}", booked=False),
    )
    summary = statement_import(data=data, operator=cast.operator())
    assert summary.skipped == 2 and not BankEntry.objects.exists()


def test_an_operator_assigns_a_queued_transfer_to_its_order(order):
    statement_import(data=camt.statement(camt.entry("R1", "353.80", "bonifico marzo")), operator=cast.operator())
    issue = PaymentIssue.objects.get()
    issue_pay_order(issue_id=issue.pk, order_number=order.number, operator=cast.operator())

    order.refresh_from_db()
    issue.refresh_from_db()
    assert order.status == Order.Status.ACTIVE and not issue.is_open
    assert Payment.objects.get().provider_payment_id == "R1"


def test_order_numbers_are_found_however_the_customer_wrote_them():
    assert order_numbers_in("ORDINE 2026-000123 saldo") == ["2026-000123"]
    assert order_numbers_in("ord.2026/000123") == ["2026-000123"]
    assert order_numbers_in("rif 2026000123") == ["2026-000123"]
    assert order_numbers_in("IBAN IT60X0542811101000000123456") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml", "non è un XML leggibile"),
        (b'<?xml version="1.0"?><Document xmlns="urn:other"/>', "non è un estratto conto camt.053"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&b;</Document>',
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>',
            "DOCTYPE",
        ),
    ],
    ids=["not-xml", "other-format", "billion-laughs", "xxe-file"],
)
def test_a_bad_or_hostile_file_is_refused_with_a_message(data, message):
    with pytest.raises(StatementError, match=message):
        parse(data)


def test_operators_import_the_statement_in_the_admin(admin_client, order, django_capture_on_commit_callbacks):
    url = reverse("admin:payments_bankstatement_import")
    assert "Importa" in admin_client.get(url).content.decode()
    upload = SimpleUploadedFile("estratto.xml", camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")))
    with django_capture_on_commit_callbacks(execute=True):  # the import's task runs after the upload commits
        uploaded = admin_client.post(url, {"file": upload})
    response = admin_client.get(uploaded.url)  # the import's page

    assert "1 ordini pagati, 0 movimenti da verificare" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.ACTIVE
    statement = admin_client.get(reverse("admin:payments_bankstatement_change", args=[BankStatement.objects.get().pk]))
    assert "R1" in statement.content.decode() and order.number in statement.content.decode()
    bad = admin_client.post(url, {"file": SimpleUploadedFile("x.xml", b"%PDF-1.4")})
    assert "non è un XML" in bad.content.decode()


def test_operators_resolve_the_queue_in_the_admin(admin_client, order):
    statement_import(data=camt.statement(camt.entry("R1", "353.80", "senza riferimento")), operator=cast.operator())
    issue = PaymentIssue.objects.get()
    url = reverse("admin:payments_paymentissue_change", args=[issue.pk])
    assert admin_client.get(reverse("admin:payments_paymentissue_changelist") + "?aperte=si").status_code == 200

    response = admin_client.post(url, {"resolution": "", "pay_order": order.number}, follow=True)
    issue.refresh_from_db()
    assert not issue.is_open and order.number in issue.resolution
    assert f"Voce risolta: Abbinato all&#x27;ordine {order.number}" in response.content.decode()
    page = admin_client.get(url).content.decode()
    assert 'name="resolution"' not in page and 'name="pay_order"' not in page  # history now


def test_an_operator_must_say_how_an_item_was_resolved(admin_client, order):
    statement_import(data=camt.statement(camt.entry("R1", "353.80", "senza riferimento")), operator=cast.operator())
    issue = PaymentIssue.objects.get()
    url = reverse("admin:payments_paymentissue_change", args=[issue.pk])
    response = admin_client.post(url, {"resolution": "  "}, follow=True)
    issue.refresh_from_db()
    assert issue.is_open and "Scrivi come è stato risolto" in response.content.decode()


def test_an_operator_uses_a_credit_to_pay_another_order_of_the_customer(admin_client, rossi, bianchi, plan, order):
    from payments.selectors import open_credit
    from payments.services import credit_apply

    order_cancel(order_id=order.pk, actor=rossi.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )
    issue = PaymentIssue.objects.get(kind="CREDITO")
    assert open_credit(rossi) == Decimal("353.80")
    again = order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)
    someone_else = order_place_first_purchase(customer=bianchi, plan=plan, actor=bianchi.user)

    with pytest.raises(PaymentError, match="non ha un ordine"):
        credit_apply(issue_id=issue.pk, order_number=someone_else.number, operator=cast.operator())
    admin_client.post(
        reverse("admin:payments_paymentissue_change", args=[issue.pk]), {"resolution": "", "pay_order": again.number}
    )

    again.refresh_from_db()
    issue.refresh_from_db()
    assert again.status == Order.Status.ACTIVE and not issue.is_open
    payment = Payment.objects.get()
    assert (payment.order, payment.applied, payment.provider_payment_id) == (again, True, "R1")
    assert Invoice.objects.get().order == again
    assert open_credit(rossi) == 0


def test_a_credit_pays_only_an_order_of_its_total(rossi, plan, order, today):
    from catalog.models import Plan
    from payments.services import credit_apply

    order_cancel(order_id=order.pk, actor=rossi.user)
    statement_import(
        data=camt.statement(camt.entry("R1", "353.80", f"Ordine {order.number}")), operator=cast.operator()
    )
    cheaper = Plan.objects.create(code="mini", name="Mini", storage_gb=1, price_net=Decimal("10.00"))
    other = order_place_first_purchase(customer=rossi, plan=cheaper, actor=rossi.user)
    with pytest.raises(PaymentError, match="non è il totale"):
        credit_apply(issue_id=PaymentIssue.objects.get().pk, order_number=other.number, operator=cast.operator())
    other.refresh_from_db()
    assert other.is_awaiting_payment
