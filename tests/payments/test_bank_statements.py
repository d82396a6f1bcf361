"""Real banks' camt.053 statements: no credit lost, none applied twice, none from elsewhere."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Order
from orders.services import order_choose_transfer, order_place_first_purchase
from payments import transfers
from payments.camt053 import StatementError, parse
from payments.models import BankEntry, BankStatement, Payment, PaymentIssue, StatementImport
from payments.transfers import statement_import, transfer_register
from tests import cast
from tests.payments import camt

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(rossi, plan, today):
    """Five orders waiting for their transfers."""
    placed = [order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user) for _ in range(5)]
    return [order_choose_transfer(order_id=order.pk, actor=rossi.user) for order in placed]


def day_of_transfers(orders, day: str) -> bytes:
    """A day's statement as many banks write it: NtryRef numbered 1…n, the bank's own reference
    only in the transaction's details."""
    entries = [
        camt.entry(
            None,
            "353.80",
            ntry_ref=str(n),
            booked_on=day,
            transactions=[camt.transaction(f"Ordine {order.number}", ref=f"TRN-{day}-{n}")],
        )
        for n, order in enumerate(orders, start=1)
    ]
    return camt.statement(*entries, statement_id=f"STMT-{day}")


def paid(order) -> bool:
    order.refresh_from_db()
    return order.status == Order.Status.ACTIVE


def test_the_next_days_statement_with_the_same_ntryrefs_registers_every_credit(orders):
    statement_import(data=day_of_transfers(orders[:2], "2026-03-10"), operator=cast.operator())
    summary = statement_import(data=day_of_transfers(orders[2:], "2026-03-11"), operator=cast.operator())

    assert summary.already_imported == 0 and len(summary.paid) == 3
    assert all(paid(order) for order in orders)
    assert BankEntry.objects.count() == 5


def test_a_batch_entry_is_one_credit_per_transaction(orders):
    batch = camt.entry(
        "BATCH-1",
        "707.60",
        transactions=[
            camt.transaction(f"Ordine {orders[0].number}", amount="353.80"),
            camt.transaction(f"Ordine {orders[1].number}", amount="353.80"),
        ],
    )
    summary = statement_import(data=camt.statement(batch), operator=cast.operator())

    assert summary.paid == ["BATCH-1/1", "BATCH-1/2"]
    assert paid(orders[0]) and paid(orders[1])
    again = statement_import(data=camt.statement(batch), operator=cast.operator())
    assert again.already_imported == 2 and Payment.objects.count() == 2


def test_an_entry_without_a_bank_reference_is_taken_with_a_key_of_its_own(orders):
    data = camt.statement(
        camt.entry("R1", "353.80", f"Ordine {orders[0].number}"),
        camt.entry(None, "353.80", f"Ordine {orders[1].number}"),
        camt.entry(None, "10.00", "Rimborso spese"),
        camt.entry(None, "10.00", "Rimborso spese"),  # the same again: a second transfer, not a copy
    )
    summary = statement_import(data=data, operator=cast.operator())

    assert len(summary.paid) == 2 and len(summary.queued) == 2
    assert paid(orders[1])
    again = statement_import(data=data, operator=cast.operator())
    assert again.already_imported == 4 and BankEntry.objects.count() == 4


@pytest.mark.parametrize(
    "accounts",
    [
        [camt.account(), camt.account("IT02L1234512345123456789012")],
        ["<Acct><Id><Othr><Id>000000123456</Id></Othr></Id></Acct>"],
        [""],
    ],
    ids=["second-statement-of-another-iban", "account-given-as-othr", "no-account"],
)
def test_every_statement_in_the_file_must_be_of_our_account(orders, accounts):
    statements = [
        camt.stmt(camt.entry(f"R{n}", "353.80", f"Ordine {orders[n].number}"), statement_id=f"S{n}", account_xml=xml)
        for n, xml in enumerate(accounts)
    ]
    with pytest.raises(StatementError, match="non di quello su cui i clienti pagano"):
        statement_import(data=camt.document(*statements), operator=cast.operator())
    assert not BankEntry.objects.exists() and not any(paid(order) for order in orders)


@pytest.mark.parametrize(("credit", "amount"), [(True, "353.80"), (False, "353.80"), (True, "-353.80")])
def test_a_reversal_or_a_negative_amount_waits_for_an_operator_and_pays_nothing(orders, credit, amount):
    reversal = amount.startswith("-") is False
    entry = camt.entry("RV1", amount, f"Ordine {orders[0].number}", credit=credit, reversal=reversal)
    statement_import(data=camt.statement(entry), operator=cast.operator())

    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.REVERSAL and not paid(orders[0])
    assert issue.amount == (Decimal("-353.80") if not credit or amount.startswith("-") else Decimal("353.80"))


def test_an_italian_banks_cbi_statement_is_read(orders):
    data = camt.cbi_statement(camt.entry("CBI-1", "353.80", f"Ordine {orders[0].number}"))
    summary = statement_import(data=data, operator=cast.operator())
    assert summary.paid == ["CBI-1"] and paid(orders[0])


def test_a_file_of_another_format_says_which_formats_are_read():
    with pytest.raises(StatementError, match="camt.053 ISO 20022 .* CBI"):
        parse(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>')


@pytest.mark.parametrize("amount", ["100000000.00", "1E+30", "NaN", "12.345", "abc"])
def test_an_amount_the_database_cannot_hold_refuses_the_file_naming_the_entry(orders, amount):
    data = camt.statement(
        camt.entry("GOOD-1", "353.80", f"Ordine {orders[0].number}"),
        camt.entry("BAD-2", amount, "Bonifico"),
    )
    with pytest.raises(StatementError, match="BAD-2"):
        statement_import(data=data, operator=cast.operator())
    assert not BankEntry.objects.exists() and not BankStatement.objects.exists() and not paid(orders[0])


def test_an_import_is_all_or_nothing(orders, monkeypatch):
    real_pay = transfers._pay
    calls = []

    def pay_then_fail(entry, order, operator):
        calls.append(entry)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        real_pay(entry, order, operator)

    monkeypatch.setattr(transfers, "_pay", pay_then_fail)
    with pytest.raises(RuntimeError):
        statement_import(data=day_of_transfers(orders[:2], "2026-03-10"), operator=cast.operator())
    assert not BankEntry.objects.exists() and not Payment.objects.exists() and not paid(orders[0])


def test_a_utf16_statement_uploads_in_the_admin(admin_client, orders, django_capture_on_commit_callbacks):
    text = camt.statement(camt.entry("U1", "353.80", f"Ordine {orders[0].number}")).decode()
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:payments_bankstatement_import"), {"file": SimpleUploadedFile("stmt.xml", data)}
        )
    job = StatementImport.objects.get()
    assert response.url == reverse("admin:payments_statementimport_change", args=[job.pk])
    job.refresh_from_db()
    assert job.status == StatementImport.Status.DONE and job.paid == 1 and paid(orders[0])


def test_the_import_page_shows_its_progress_and_reloads_until_done(admin_client, orders):
    data = camt.statement(camt.entry("Q1", "353.80", f"Ordine {orders[0].number}"))
    admin_client.post(reverse("admin:payments_bankstatement_import"), {"file": SimpleUploadedFile("s.xml", data)})
    job = StatementImport.objects.get()  # its task waits for the commit, which this test never makes
    page = admin_client.get(reverse("admin:payments_statementimport_change", args=[job.pk])).content.decode()
    assert "In coda: 1 accredito da registrare" in page and 'http-equiv="refresh"' in page


def test_a_file_that_cannot_be_imported_is_refused_on_the_upload_page(admin_client, orders):
    data = camt.statement(camt.entry("X1", "1E+30", "Bonifico"))
    response = admin_client.post(
        reverse("admin:payments_bankstatement_import"), {"file": SimpleUploadedFile("s.xml", data)}
    )
    assert "X1" in response.content.decode() and not StatementImport.objects.exists()


def test_a_transfer_booked_on_30_december_and_imported_on_3_january_is_invoiced_in_december(rossi, plan):
    rome = datetime.timezone(datetime.timedelta(hours=1))
    with time_machine.travel(datetime.datetime(2026, 12, 29, 10, tzinfo=rome), tick=False):
        order = order_choose_transfer(
            order_id=order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user).pk, actor=rossi.user
        )
    with time_machine.travel(datetime.datetime(2027, 1, 3, 10, tzinfo=rome), tick=False):
        data = camt.statement(camt.entry("YE-1", "353.80", f"Ordine {order.number}", booked_on="2026-12-30"))
        statement_import(data=data, operator=cast.operator())

    invoice = Payment.objects.get(order=order).invoice
    assert (invoice.number, invoice.issued_on) == ("2026/000001", datetime.date(2026, 12, 30))


def test_a_transfer_registered_by_hand_with_the_banks_reference_is_not_counted_again(orders):
    transfer_register(order=orders[0], operator=cast.operator(), reference="TRN-77")
    summary = statement_import(
        data=camt.statement(camt.entry("TRN-77", "353.80", f"Ordine {orders[0].number}")), operator=cast.operator()
    )

    assert summary.already_imported == 1 and summary.paid == [] and summary.queued == []
    assert Payment.objects.filter(order=orders[0]).count() == 1 and not PaymentIssue.objects.exists()
    assert BankEntry.objects.get().statement is not None  # the statement confirmed it


def test_a_transfer_registered_by_hand_without_a_reference_is_recognised_by_day_amount_and_order(orders):
    transfer_register(order=orders[0], operator=cast.operator(), booked_on=datetime.date(2026, 3, 9))
    data = camt.statement(
        camt.entry("BANK-9", "353.80", f"Ordine {orders[0].number}", booked_on="2026-03-09"),
        camt.entry("BANK-10", "353.80", f"Ordine {orders[1].number}", booked_on="2026-03-09"),
    )
    summary = statement_import(data=data, operator=cast.operator())

    assert summary.already_imported == 1 and summary.paid == ["BANK-10"]
    assert Payment.objects.filter(order=orders[0]).count() == 1 and not PaymentIssue.objects.exists()
    entry = BankEntry.objects.get(order=orders[0])
    assert entry.entry_ref == "BANK-9" and entry.registered_by_hand and entry.statement is not None
    again = statement_import(data=data, operator=cast.operator())
    assert again.already_imported == 2
