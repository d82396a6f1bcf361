"""Bank transfers reconciled from the bank's own camt.053 statement.

Each credit is matched on the order number in its remittance text and on the amount. A match
pays the order; anything else (partial, excess, no or several orders) waits in the operators'
queue. Each credit is keyed on the bank's entry reference, so importing a statement again, or
two operators importing it at once, registers every transfer once.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit import trail
from audit.actors import Actor, actor_label
from audit.models import AuditEntry
from orders.models import Order
from orders.services import OrderError, require_awaiting_payment
from payments import camt053
from payments.errors import PaymentError
from payments.models import BankEntry, BankStatement, PaymentIssue
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


def order_numbers_in(text: str) -> list[str]:
    return sorted({f"{year}-{number}" for year, number in ORDER_NUMBER.findall(text)})


def statement_import(*, data: bytes, operator: Actor) -> ImportSummary:
    statement = camt053.parse(data)
    ours = settings.BANK_IBAN.replace(" ", "").upper()
    if statement.iban and statement.iban.replace(" ", "").upper() != ours:
        raise camt053.StatementError(
            _("L'estratto conto è del conto %(iban)s, non di quello su cui i clienti pagano (%(ours)s).")
            % {"iban": statement.iban, "ours": ours}
        )
    summary = ImportSummary(skipped=statement.skipped)
    record = None
    for credit in statement.credits:
        if BankEntry.objects.filter(entry_ref=credit.entry_ref).exists():
            summary.already_imported += 1
            continue
        if record is None:
            record = BankStatement.objects.create(
                message_id=statement.message_id[:100],
                statement_id=statement.statement_id[:100],
                iban=statement.iban[:34],
                file_sha256=hashlib.sha256(data).hexdigest(),
                imported_by=actor_label(operator),
            )
        try:
            entry = _register(record, credit, operator)
        except IntegrityError:  # another import took this credit a moment ago
            summary.already_imported += 1
            continue
        (summary.paid if entry.outcome == Outcome.PAID else summary.queued).append(credit.entry_ref)
    if record is not None and not record.entries.exists():  # a concurrent import took every credit
        record.delete()
    elif record is not None:
        trail.record(
            record,
            AuditEntry.Action.STATEMENT_IMPORTED,
            actor=operator,
            paid=len(summary.paid),
            queued=len(summary.queued),
            already_imported=summary.already_imported,
        )
    return summary


@transaction.atomic
def _register(statement: BankStatement, credit: camt053.Credit, operator: Actor) -> BankEntry:
    with transaction.atomic():
        entry = BankEntry.objects.create(
            statement=statement,
            entry_ref=credit.entry_ref[:100],
            booked_on=credit.booked_on,
            amount=credit.amount,
            currency=credit.currency,
            debtor=credit.debtor[:200],
            remittance=credit.remittance[:500],
            outcome=Outcome.QUEUED,
        )
    numbers = order_numbers_in(credit.remittance)
    orders = list(Order.objects.filter(number__in=numbers).select_related("customer"))
    if len(orders) != 1:
        detail = (
            _("Più ordini nella causale: %(numbers)s.") % {"numbers": ", ".join(numbers)}
            if orders
            else _("Nessun ordine riconoscibile nella causale.")
        )
        _queue(entry, Kind.UNMATCHED, detail, order=None)
        return entry
    order = entry.order = orders[0]
    if order.is_exact_payment(credit.amount, credit.currency):
        _pay(entry, order, operator)
    else:
        kind = Kind.EXCESS if credit.currency == order.currency and credit.amount > order.total else Kind.PARTIAL
        _queue(entry, kind, _("Ricevuti %(amount)s su %(total)s.") % _amounts(credit, order), order)
    entry.save(update_fields=["order", "outcome"])
    return entry


def _amounts(credit: camt053.Credit, order: Order) -> dict[str, str]:
    return {"amount": f"{credit.amount} {credit.currency}", "total": f"{order.total} {order.currency}"}


def _pay(entry: BankEntry, order: Order, operator: Actor) -> None:
    payment = payment_confirm(
        order_number=str(order.number),
        provider=TRANSFER,
        provider_payment_id=entry.entry_ref,
        amount=entry.amount,
        currency=entry.currency,
        actor=operator,
    )
    if payment.applied:
        entry.outcome = Outcome.PAID
    else:  # the order was cancelled or paid another way: the credit's queue item takes the entry
        PaymentIssue.objects.filter(payment=payment).update(bank_entry=entry)


def _queue(entry: BankEntry, kind: str, detail: str, order: Order | None) -> None:
    PaymentIssue.objects.create(
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
    if not issue.is_open or entry is None or entry.outcome == Outcome.PAID:
        raise PaymentError(_("Solo un bonifico ancora da verificare può pagare un ordine."))
    order = Order.objects.filter(number=order_number.strip()).first()
    if order is None:
        raise PaymentError(_("Nessun ordine %(number)s.") % {"number": order_number})
    if not order.is_exact_payment(entry.amount, entry.currency):
        raise PaymentError(
            _("Il bonifico (%(amount)s) non è il totale dell'ordine (%(total)s): rimborsa o chiedi il saldo.")
            % {"amount": entry.amount, "total": order.total}
        )
    try:
        require_awaiting_payment(order)
    except OrderError as error:
        raise PaymentError(str(error)) from error
    entry.order = order
    _pay(entry, order, operator)
    entry.save(update_fields=["order", "outcome"])
    return issue_resolve(
        issue_id=issue.pk, operator=operator, resolution=_("Abbinato all'ordine %(number)s.") % {"number": order.number}
    )
