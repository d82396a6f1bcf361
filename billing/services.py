"""Issuing invoices and credit notes: one number per document, from a yearly gap-free sequence."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Customer
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from billing import fatturapa
from billing.events import CreditNoteIssued
from billing.models import Invoice, InvoiceLine, InvoiceSequence
from lib import events
from lib.money import to_cents, vat_on
from orders.models import Order

logger = logging.getLogger(__name__)


class BillingError(Exception):
    """A document that cannot be issued; the message says why, for the operator."""


@dataclass(frozen=True)
class VatSummary:
    """One DatiRiepilogo: tax = taxable × rate, on the sum of the lines at that rate."""

    rate: Decimal
    taxable: Decimal
    tax: Decimal


def vat_summaries(lines: Iterable[InvoiceLine]) -> list[VatSummary]:
    taxable_by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        taxable_by_rate[line.vat_rate] = taxable_by_rate.get(line.vat_rate, Decimal("0")) + line.net
    return [
        VatSummary(rate=rate, taxable=to_cents(taxable), tax=vat_on(taxable, rate))
        for rate, taxable in sorted(taxable_by_rate.items())
    ]


def _take_number(year: int) -> int:
    """The next number of the year. The row lock is held until the caller's transaction ends, so
    numbers follow the order of commits and a rolled-back document gives its number back."""
    InvoiceSequence.objects.bulk_create([InvoiceSequence(year=year)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _customer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "customer_name": customer.company_name,
        "customer_vat_number": customer.vat_number,
        "customer_tax_code": customer.tax_code,
        "customer_address": customer.address,
        "customer_postcode": customer.postcode,
        "customer_city": customer.city,
        "customer_province": customer.province,
        "customer_country": customer.country,
        "customer_sdi_code": customer.sdi_code,
        "customer_pec": customer.pec,
    }


def _issue(*, kind: str, order: Order, lines: list[InvoiceLine], actor: Actor, **fields: Any) -> Invoice:
    issued_on = timezone.localdate()
    sequence = _take_number(issued_on.year)
    summaries = vat_summaries(lines)
    net = sum((s.taxable for s in summaries), Decimal("0.00"))
    vat = sum((s.tax for s in summaries), Decimal("0.00"))
    invoice = Invoice(
        kind=kind,
        year=issued_on.year,
        sequence=sequence,
        number=f"{issued_on.year}/{sequence:06d}",
        issued_on=issued_on,
        order=order,
        net=net,
        vat=vat,
        total=net + vat,
        currency=order.currency,
        **_customer_snapshot(order.customer),
        **fields,
    )
    invoice.save()
    for position, line in enumerate(lines, start=1):
        line.invoice, line.position = invoice, position
    InvoiceLine.objects.bulk_create(lines)
    invoice.xml = fatturapa.render(invoice, lines, summaries)
    invoice.xml_errors = "\n".join(fatturapa.validation_errors(invoice.xml))
    if invoice.xml_errors:
        # The payment stands; operators see the document to fix before sending it to SDI.
        logger.error("FatturaPA %s does not validate: %s", invoice.number, invoice.xml_errors)
    invoice.save(update_fields=["xml", "xml_errors"])
    if invoice.is_credit_note:
        trail.record(
            order,
            AuditEntry.Action.CREDIT_NOTE_ISSUED,
            actor=actor,
            number=invoice.number,
            corrects=invoice.corrects.number if invoice.corrects else "",
            total=invoice.total,
            reason=invoice.reason,
        )
    else:
        trail.record(order, AuditEntry.Action.INVOICE_ISSUED, actor=actor, number=invoice.number, total=invoice.total)
    return invoice


def _order_line(order: Order) -> InvoiceLine:
    with translation.override("it"):
        description = _("Conservazione digitale a norma – %(kind)s: %(summary)s") % {
            "kind": order.get_kind_display(),
            "summary": order.summary,
        }
    # Latin-1 as FatturaPA wants it, so that the PDF prints the very words of the XML.
    return InvoiceLine(
        description=fatturapa.latin1(description),
        quantity=Decimal("1.00"),
        unit_price=order.net,
        net=order.net,
        vat_rate=order.vat_rate,
    )


def invoice_issue(*, order: Order, payment_id: int, payment_means: str, actor: Actor) -> Invoice:
    """The invoice of a payment that has just paid `order`; called inside the payment's transaction.
    `payment_means` is FatturaPA's code for how it was paid (Invoice.PaymentMeans)."""
    return _issue(
        kind=Invoice.Kind.INVOICE,
        order=order,
        lines=[_order_line(order)],
        payment_id=payment_id,
        payment_means=payment_means,
        actor=actor,
    )


@transaction.atomic
def credit_note_issue(*, invoice_id: int, operator: Actor, reason: str) -> Invoice:
    """A refund the operator made: a TD04 cancelling the whole invoice."""
    invoice = Invoice.objects.select_for_update().select_related("order__customer").get(pk=invoice_id)
    if invoice.is_credit_note:
        raise BillingError(_("Una nota di credito non si storna con un'altra nota di credito."))
    if Invoice.objects.filter(corrects=invoice).exists():
        raise BillingError(_("La fattura %(number)s è già stornata.") % {"number": invoice.number})
    lines = [
        InvoiceLine(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            net=line.net,
            vat_rate=line.vat_rate,
        )
        for line in invoice.lines.all()
    ]
    with translation.override("it"):
        default_reason = _("Storno totale della fattura %(number)s del %(date)s") % {
            "number": invoice.number,
            "date": invoice.issued_on.strftime("%d/%m/%Y"),
        }
    note = _issue(
        kind=Invoice.Kind.CREDIT_NOTE,
        order=invoice.order,
        lines=lines,
        corrects=invoice,
        reason=(reason or default_reason)[:200],
        payment_means=invoice.payment_means,
        actor=operator,
    )
    events.publish(CreditNoteIssued(credit_note=note))
    return note
