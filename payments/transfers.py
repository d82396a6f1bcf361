"""Bank transfers reconciled from the bank's own camt.053 statement.

Each credit is matched on the order number in its remittance text and on the amount. A match
pays the order; anything else (partial, excess, no or several orders, a reversal) waits in the
operators' queue. Each credit is keyed on the account and the bank's reference for it
(payments/camt053.py), so importing a statement again, an overlapping one, or two at once,
registers every transfer once. An import is all or nothing.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import revisions
from audit import trail
from audit.actors import Actor, actor_label
from audit.models import AuditEntry
from lib import clock
from orders.models import Order
from orders.selectors import order_by_number
from orders.services import require_awaiting_payment
from payments import camt053
from payments.errors import PaymentError, order_refusals_as_payment_errors
from payments.models import BankAccount, BankEntry, BankStatement, Payment, PaymentIssue
from payments.providers.transfer import CODE as TRANSFER
from payments.services import issue_resolve, payment_confirm

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{4})[-/ ]?(\d{6})(?!\d)")
Outcome, Kind = BankEntry.Outcome, PaymentIssue.Kind


@dataclass
class ImportSummary:
    paid: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    already_imported: int = 0
    skipped: int = 0
    statement_id: int | None = None  # the BankStatement recorded, when anything was new


def order_numbers_in(text: str) -> list[str]:
    return sorted({f"{year}-{number}" for year, number in ORDER_NUMBER.findall(text)})


MANUAL_REFERENCE = "manuale:"  # the key of a transfer registered by hand without the bank's reference


def our_iban() -> str:
    return settings.BANK_IBAN.replace(" ", "").upper()


@transaction.atomic
def transfer_register(
    *, order: Order, operator: Actor, booked_on: datetime.date | None = None, reference: str = ""
) -> Payment:
    """An operator saw the transfer credited on the account: the same effect as a card payment.

    It is kept as an entry of the account, so that the bank's statement imported later recognises
    the same money instead of counting it again: by the bank's reference when the operator gave
    it, else by its booking date, amount and order. Registering an order again changes nothing.
    """
    booked_on = booked_on or clock.today()
    if BankEntry.objects.filter(order=order, registered_by_hand=True).exists():
        return Payment.objects.filter(order=order, provider=TRANSFER).earliest("pk")
    key = reference.strip()[:100] or f"{MANUAL_REFERENCE}{order.number}:{booked_on.isoformat()}"
    if BankEntry.objects.filter(iban=our_iban(), entry_ref=key).exists():
        raise PaymentError(_("Il riferimento %(ref)s è già registrato per un altro accredito.") % {"ref": key})
    entry = BankEntry.objects.create(
        statement=None,
        registered_by_hand=True,
        iban=our_iban(),
        entry_ref=key,
        booked_on=booked_on,
        amount=order.amount_due,
        currency=order.currency,
        remittance=_("Registrato a mano da %(operator)s") % {"operator": actor_label(operator)},
        order=order,
        outcome=Outcome.QUEUED,
    )
    _pay(entry, order, operator)
    entry.save(update_fields=["outcome"])
    return Payment.objects.get(provider=TRANSFER, provider_payment_id=key)


def statement_read(data: bytes) -> camt053.Statement:
    """The statement, when it is one of ours to import: every statement in the file must name the
    account customers pay into, or the whole file is refused."""
    statement = camt053.parse(data)
    ours = our_iban()
    for statement_id, iban in zip(statement.statement_ids, statement.accounts, strict=True):
        if iban != ours:
            raise camt053.StatementError(
                _("L'estratto conto %(id)s è del conto %(iban)s, non di quello su cui i clienti pagano (%(ours)s).")
                % {"id": statement_id or "?", "iban": iban or _("non indicato"), "ours": ours}
            )
    return statement


@transaction.atomic
def statement_import(*, data: bytes, operator: Actor) -> ImportSummary:
    """Registers every credit of the statement not registered before, all or nothing. The account's
    row is locked first: two imports of overlapping statements run one after the other."""
    statement = statement_read(data)
    iban = statement.accounts[0]
    BankAccount.objects.get_or_create(iban=iban)
    BankAccount.objects.select_for_update().get(iban=iban)
    summary = ImportSummary(skipped=statement.skipped)
    credits = _not_registered(iban, statement.credits)
    recognised = _registered_by_hand(iban, statement.credits, credits)
    credits = [credit for credit in credits if credit.reference not in recognised]
    summary.already_imported = len(statement.credits) - len(credits)
    if not credits and not recognised:
        return summary
    record = BankStatement.objects.create(
        message_id=statement.message_id[:100],
        statement_id=statement.statement_id[:100],
        iban=iban,
        file_sha256=hashlib.sha256(data).hexdigest(),
        imported_by=actor_label(operator),
    )
    for reference, entry in recognised.items():  # the statement confirms what an operator registered
        entry.statement, entry.entry_ref = record, reference
        entry.save(update_fields=["statement", "entry_ref"])
    summary.statement_id = record.pk
    entries = BankEntry.objects.bulk_create([_entry(record, credit) for credit in credits], batch_size=500)
    orders = _orders_named_in(credits)
    issues = []
    for entry, credit in zip(entries, credits, strict=True):
        issue = _register(entry, credit, orders, operator)
        if issue:
            issues.append(issue)
        (summary.paid if entry.outcome == Outcome.PAID else summary.queued).append(credit.reference)
    PaymentIssue.objects.bulk_create(issues, batch_size=500)
    BankEntry.objects.bulk_update([entry for entry in entries if entry.order_id], ["order", "outcome"], batch_size=500)
    revisions.touch(order.customer_id for order in orders.values())
    trail.record(
        record,
        AuditEntry.Action.STATEMENT_IMPORTED,
        actor=operator,
        paid=len(summary.paid),
        queued=len(summary.queued),
        already_imported=summary.already_imported,
    )
    return summary


def _not_registered(iban: str, credits: list[camt053.Credit]) -> list[camt053.Credit]:
    known: set[str] = set()
    references = [credit.reference for credit in credits]
    for chunk in _chunks(references):
        known.update(BankEntry.objects.filter(iban=iban, entry_ref__in=chunk).values_list("entry_ref", flat=True))
    fresh: dict[str, camt053.Credit] = {}
    for credit in credits:
        if credit.reference not in known:
            fresh.setdefault(credit.reference, credit)  # the same transaction twice in one file counts once
    return list(fresh.values())


def _registered_by_hand(
    iban: str, every_credit: list[camt053.Credit], new_credits: list[camt053.Credit]
) -> dict[str, BankEntry]:
    """The entries registered by hand, still waiting for the statement, that these credits are:
    the same bank reference, or the same day, amount and order. Keyed on the credit's reference."""
    waiting = list(BankEntry.objects.filter(iban=iban, registered_by_hand=True, statement=None).select_related("order"))
    if not waiting:
        return {}
    by_reference = {entry.entry_ref: entry for entry in waiting}
    by_operation = {(entry.booked_on, entry.amount, str(entry.order.number)): entry for entry in waiting if entry.order}
    new_references = {credit.reference for credit in new_credits}
    recognised: dict[str, BankEntry] = {}
    for credit in every_credit:
        entry = by_reference.get(credit.reference)
        if entry is None and credit.reference in new_references:
            numbers = order_numbers_in(credit.remittance)
            entry = next(
                (by_operation[key] for n in numbers if (key := (credit.booked_on, credit.amount, n)) in by_operation),
                None,
            )
        if entry is not None and entry not in recognised.values():
            recognised[credit.reference] = entry
    return recognised


def _orders_named_in(credits: list[camt053.Credit]) -> dict[str, Order]:
    numbers = sorted({number for credit in credits for number in order_numbers_in(credit.remittance)})
    orders: dict[str, Order] = {}
    for chunk in _chunks(numbers):
        orders |= {str(o.number): o for o in Order.objects.filter(number__in=chunk).select_related("customer")}
    return orders


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _entry(statement: BankStatement, credit: camt053.Credit) -> BankEntry:
    return BankEntry(
        statement=statement,
        iban=statement.iban,
        entry_ref=credit.reference[:100],
        booked_on=credit.booked_on,
        amount=credit.amount,
        currency=credit.currency,
        debtor=credit.debtor[:200],
        remittance=credit.remittance[:500],
        outcome=Outcome.QUEUED,
    )


def _register(
    entry: BankEntry, credit: camt053.Credit, orders: dict[str, Order], operator: Actor
) -> PaymentIssue | None:
    """Pays the order the credit names, or returns the queue item it becomes (saved by the caller)."""
    numbers = order_numbers_in(credit.remittance)
    named = [orders[number] for number in numbers if number in orders]
    if credit.reversal:
        order = named[0] if len(named) == 1 else None
        return _queue(entry, Kind.REVERSAL, _("Storno o importo negativo: non paga nessun ordine."), order)
    if len(named) != 1:
        detail = (
            _("Più ordini nella causale: %(numbers)s.") % {"numbers": ", ".join(numbers)}
            if named
            else _("Nessun ordine riconoscibile nella causale.")
        )
        return _queue(entry, Kind.UNMATCHED, detail, order=None)
    order = entry.order = named[0]
    if order.is_exact_payment(credit.amount, credit.currency):
        _pay(entry, order, operator)
        return None
    kind = Kind.EXCESS if credit.currency == order.currency and credit.amount > order.amount_due else Kind.PARTIAL
    return _queue(entry, kind, _("Ricevuti %(amount)s su %(total)s.") % _amounts(credit, order), order)


def _amounts(credit: camt053.Credit, order: Order) -> dict[str, str]:
    return {"amount": f"{credit.amount} {credit.currency}", "total": f"{order.amount_due} {order.currency}"}


def _pay(entry: BankEntry, order: Order, operator: Actor) -> None:
    payment = payment_confirm(
        order_number=str(order.number),
        provider=TRANSFER,
        provider_payment_id=entry.entry_ref,
        amount=entry.amount,
        currency=entry.currency,
        actor=operator,
        operated_on=entry.booked_on,
    )
    if payment.applied:
        entry.outcome = Outcome.PAID
    else:  # the order was cancelled or paid another way: the credit's queue item takes the entry
        PaymentIssue.objects.filter(payment=payment).update(bank_entry=entry)  # no customer's page shows it


def _queue(entry: BankEntry, kind: str, detail: str, order: Order | None) -> PaymentIssue:
    return PaymentIssue(
        kind=kind,
        customer=order.customer if order else None,
        order=order,
        bank_entry=entry,
        amount=entry.amount,
        currency=entry.currency,
        detail=f"{detail} {_('Causale')}: {entry.remittance}"[:500],
    )


@transaction.atomic
def issue_pay_order(*, issue_id: int, order_number: str, operator: Actor) -> PaymentIssue:
    """An operator recognised the order a queued transfer pays (its amount must be the total)."""
    issue = PaymentIssue.objects.select_for_update(of=("self",)).select_related("bank_entry").get(pk=issue_id)
    entry = issue.bank_entry
    if not issue.is_open or entry is None or entry.outcome == Outcome.PAID or issue.kind == Kind.REVERSAL:
        raise PaymentError(_("Solo un bonifico ancora da verificare può pagare un ordine."))
    order = order_by_number(order_number.strip())
    if order is None:
        raise PaymentError(_("Nessun ordine %(number)s.") % {"number": order_number})
    if not order.is_exact_payment(entry.amount, entry.currency):
        raise PaymentError(
            _("Il bonifico (%(amount)s) non è il totale dell'ordine (%(total)s): rimborsa o chiedi il saldo.")
            % {"amount": entry.amount, "total": order.amount_due}
        )
    with order_refusals_as_payment_errors():
        require_awaiting_payment(order)
    entry.order = order
    _pay(entry, order, operator)
    entry.save(update_fields=["order", "outcome"])
    return issue_resolve(
        issue_id=issue.pk, operator=operator, resolution=_("Abbinato all'ordine %(number)s.") % {"number": order.number}
    )
