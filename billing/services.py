"""Issuing invoices and credit notes: one number per document, from a yearly gap-free sequence."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.tax import VatTreatment, vat_treatment
from audit import trail
from audit.actors import Actor
from audit.models import AuditEntry
from billing import fatturapa
from billing.events import CreditNoteIssued
from billing.models import Invoice, InvoiceLine, InvoiceSequence
from lib import events
from lib.money import to_cents, vat_on
from orders.models import Order
from subscriptions.models import Service

logger = logging.getLogger(__name__)
# An invoice is issued within 12 days of the operation (DPR 633/72, art. 21 c. 4).
LATE_AFTER_DAYS = 12


class BillingError(Exception):
    """A document that cannot be issued; the message says why, for the operator."""


# Documents without VAT above this amount carry a 2-euro stamp duty (DPR 642/72, tariff art. 13),
# paid virtually by the provider: FatturaPA's DatiBollo says so.
STAMP_DUTY, STAMP_DUTY_THRESHOLD = Decimal("2.00"), Decimal("77.47")


@dataclass(frozen=True)
class VatSummary:
    """One DatiRiepilogo: tax = taxable × rate, on the sum of the lines at that rate (and Natura)."""

    rate: Decimal
    taxable: Decimal
    tax: Decimal
    natura: str = ""


def vat_summaries(lines: Iterable[InvoiceLine]) -> list[VatSummary]:
    taxable_by_rate: dict[tuple[Decimal, str], Decimal] = {}
    for line in lines:
        key = (line.vat_rate, line.natura)
        taxable_by_rate[key] = taxable_by_rate.get(key, Decimal("0")) + line.net
    return [
        VatSummary(rate=rate, natura=natura, taxable=to_cents(taxable), tax=vat_on(taxable, rate))
        for (rate, natura), taxable in sorted(taxable_by_rate.items())
    ]


def _take_number(operated_on: datetime.date) -> tuple[int, datetime.date]:
    """The next number of the operation's year, and the document's date.

    Numbers stay in date order within a year: the date is the operation's, or the last date
    already given in that year's sequence if later (a transfer booked on 30 December and
    registered on 3 January takes the previous year's next number, dated 30 or 31 December),
    never later than today. The row lock is held until the caller's transaction ends, so numbers
    follow the order of commits and a rolled-back document gives its number back."""
    today = timezone.localdate()
    operated_on = min(operated_on, today)
    year = operated_on.year
    InvoiceSequence.objects.bulk_create([InvoiceSequence(year=year)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    last_issued_on = Invoice.objects.filter(year=year).aggregate(last=Max("issued_on"))["last"]
    if (today - operated_on).days > LATE_AFTER_DAYS:
        logger.warning("invoice for an operation of %s issued on %s: late", operated_on, today)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, min(max(operated_on, last_issued_on or operated_on), today)


def _customer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "customer_kind": customer.kind,
        "customer_name": customer.company_name,
        "customer_first_name": customer.first_name,
        "customer_last_name": customer.last_name,
        "customer_vat_number": customer.vat_number,
        "customer_tax_code": customer.tax_code,
        "customer_address": customer.address,
        "customer_postcode": customer.postcode,
        "customer_city": customer.city,
        "customer_province": customer.province,
        "customer_country": customer.country,
        "customer_sdi_code": customer.sdi_code,
        "customer_pec": customer.pec,
        "customer_cig": customer.cig,
        "customer_cup": customer.cup,
    }


def _copied_snapshot(invoice: Invoice) -> dict[str, Any]:
    """A credit note's customer is the corrected invoice's, whatever the customer's data are now."""
    fields = [field for field in Invoice._meta.concrete_fields if field.name.startswith("customer")]
    return {field.attname: getattr(invoice, field.attname) for field in fields}


def _issue(
    *,
    kind: str,
    order: Order,
    lines: list[InvoiceLine],
    party: dict[str, Any],
    actor: Actor,
    operated_on: datetime.date | None = None,
    **fields: Any,
) -> Invoice:
    sequence, issued_on = _take_number(operated_on or timezone.localdate())
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
        **party,
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


def _treatment(order: Order) -> VatTreatment:
    """How VAT applies to the customer, as long as it is the rate the order was priced (and paid) at."""
    with translation.override("it"):
        treatment = vat_treatment(order.customer)
    if treatment.rate == order.vat_rate:
        return treatment
    # The customer's data changed after the order was placed: what was paid stands.
    logger.warning("order %s priced at VAT %s, its customer's is now %s", order.number, order.vat_rate, treatment.rate)
    return VatTreatment(rate=order.vat_rate)


def _service_period(order: Order, paid_on: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """The term the order pays for: a first purchase or a renewal its whole term, a space increase
    from its payment to the expiry. Read after the payment moved the service on."""
    if order.service_id is None:  # a first purchase cancelled after its service was removed
        return None, None
    service = Service.objects.only("term_started_on", "expires_on").get(pk=order.service_id)
    if service.term_started_on is None or service.expires_on is None:
        return None, None
    if order.kind == Order.Kind.SPACE_INCREASE:
        return min(paid_on, service.expires_on), service.expires_on
    return service.term_started_on, service.expires_on


def _order_lines(order: Order, treatment: VatTreatment, *, paid_on: datetime.date) -> list[InvoiceLine]:
    """The lines of an order's invoice, all built here: one for each line of the order (the plan,
    each space add-on)."""
    period_start, period_end = _service_period(order, paid_on)
    lines = []
    for line in order.lines.select_related("order__plan"):
        with translation.override("it"):
            description = _("Conservazione digitale a norma – %(kind)s: %(summary)s") % {
                "kind": order.get_kind_display(),
                "summary": line if order.kind != Order.Kind.SPACE_INCREASE else order.summary,
            }
        # Latin-1 as FatturaPA wants it, so that the PDF prints the very words of the XML.
        lines.append(
            InvoiceLine(
                description=fatturapa.latin1(description),
                quantity=Decimal("1.00"),
                unit_price=line.net,
                net=line.net,
                vat_rate=order.vat_rate,
                natura=treatment.natura,
                period_start=period_start,
                period_end=period_end,
            )
        )
    return lines


def _stamp_duty(lines: list[InvoiceLine]) -> Decimal:
    untaxed = sum((line.net for line in lines if line.natura), Decimal("0.00"))
    return STAMP_DUTY if untaxed > STAMP_DUTY_THRESHOLD else Decimal("0.00")


def invoice_issue(
    *,
    order: Order,
    payment_means: str,
    actor: Actor,
    operated_on: datetime.date | None = None,
) -> Invoice:
    """The invoice of a payment that has just paid `order`; called inside the payment's transaction.
    `payment_means` is FatturaPA's code for how it was paid (Invoice.PaymentMeans); `operated_on`
    the day the money moved (a bank transfer's booking date), today when None: the invoice belongs
    to that day's year (see _take_number)."""
    treatment = _treatment(order)
    lines = _order_lines(order, treatment, paid_on=operated_on or timezone.localdate())
    return _issue(
        kind=Invoice.Kind.INVOICE,
        order=order,
        lines=lines,
        party=_customer_snapshot(order.customer),
        operated_on=operated_on,
        payment_means=payment_means,
        vat_note=treatment.note,
        split_payment=treatment.split_payment,
        stamp_duty=_stamp_duty(lines),
        actor=actor,
    )


@transaction.atomic
def credit_note_issue(*, invoice_id: int, operator: Actor, reason: str) -> Invoice:
    """A refund the operator made: a TD04 cancelling the whole invoice, a copy of it but for its number."""
    invoice = Invoice.objects.select_for_update().select_related("order__customer").get(pk=invoice_id)
    if invoice.is_credit_note:
        raise BillingError(_("Una nota di credito non si storna con un'altra nota di credito."))
    if Invoice.objects.filter(corrects=invoice).exists():
        raise BillingError(_("La fattura %(number)s è già stornata.") % {"number": invoice.number})
    copied = ["description", "quantity", "unit_price", "net", "vat_rate", "natura", "period_start", "period_end"]
    lines = [InvoiceLine(**{field: getattr(line, field) for field in copied}) for line in invoice.lines.all()]
    note = _issue(
        kind=Invoice.Kind.CREDIT_NOTE,
        order=invoice.order,
        lines=lines,
        party=_copied_snapshot(invoice),
        corrects=invoice,
        reason=(reason or corrected_invoice_text(invoice))[:200],
        payment_means=invoice.payment_means,
        vat_note=invoice.vat_note,
        split_payment=invoice.split_payment,
        stamp_duty=invoice.stamp_duty,
        actor=operator,
    )
    events.publish(CreditNoteIssued(credit_note=note))
    return note


def corrected_invoice_text(invoice: Invoice) -> str:
    """What a credit note says of the invoice it cancels, in the XML's Causale and on the PDF."""
    with translation.override("it"):
        return _("Storno totale della fattura %(number)s del %(date)s") % {
            "number": invoice.number,
            "date": invoice.issued_on.strftime("%d/%m/%Y"),
        }
