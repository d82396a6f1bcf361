import uuid
from decimal import Decimal

from django.db import models
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from lib import clock


class InvoiceSequence(models.Model):
    """The last number given in a year: locked while a number is taken, so none is skipped or repeated."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("numerazione fatture")
        verbose_name_plural = _("numerazioni fatture")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """A fiscal document for a confirmed payment (TD01) or a refund (TD04, a credit note).

    The customer's data are copied at issue: a later change of address does not rewrite it.
    """

    class Kind(models.TextChoices):
        INVOICE = "TD01", _("Fattura")
        CREDIT_NOTE = "TD04", _("Nota di credito")

    class PaymentMeans(models.TextChoices):
        CARD = "MP08", _("carta di pagamento")
        TRANSFER = "MP05", _("bonifico")

    # In URLs instead of the database id: unguessable, and says nothing of how many invoices exist.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("tipo documento"), max_length=4, choices=Kind)
    year = models.PositiveIntegerField(_("anno"))
    sequence = models.PositiveIntegerField(_("progressivo"))
    number = models.CharField(_("numero"), max_length=20, unique=True)
    issued_on = models.DateField(_("data"))
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("cliente")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("ordine")
    )
    corrects = models.OneToOneField(
        "self", null=True, on_delete=models.PROTECT, related_name="credit_note", verbose_name=_("fattura stornata")
    )
    reason = models.CharField(_("causale"), max_length=200, blank=True)
    payment_means = models.CharField(_("modalità di pagamento"), max_length=4, choices=PaymentMeans)
    # The customer as invoiced (a credit note copies its invoice's)
    customer_kind = models.CharField(
        _("tipo di cliente"), max_length=8, choices=Customer.Kind, default=Customer.Kind.BUSINESS
    )
    customer_name = models.CharField(_("ragione sociale"), max_length=200)
    customer_first_name = models.CharField(_("nome"), max_length=60, blank=True)
    customer_last_name = models.CharField(_("cognome"), max_length=60, blank=True)
    customer_vat_number = models.CharField(_("partita IVA"), max_length=28, blank=True)
    customer_tax_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    customer_address = models.CharField(_("indirizzo"), max_length=200)
    customer_postcode = models.CharField(_("CAP"), max_length=12)
    customer_city = models.CharField(_("comune"), max_length=100)
    customer_province = models.CharField(_("provincia"), max_length=2)
    customer_country = models.CharField(_("nazione"), max_length=2)
    customer_sdi_code = models.CharField(_("codice destinatario SDI"), max_length=7, blank=True)
    customer_pec = models.EmailField(_("PEC"), blank=True)
    customer_cig = models.CharField(_("CIG"), max_length=10, blank=True)
    customer_cup = models.CharField(_("CUP"), max_length=15, blank=True)
    # How VAT applied (accounts.tax.VatTreatment): why none is charged, or that the customer pays it to the State
    vat_note = models.CharField(_("riferimento normativo IVA"), max_length=200, blank=True)
    split_payment = models.BooleanField(_("scissione dei pagamenti"), default=False)
    # Paid virtually by the provider on documents without VAT above the legal threshold; not charged.
    stamp_duty = models.DecimalField(_("imposta di bollo"), max_digits=5, decimal_places=2, default=Decimal("0.00"))
    # Totals: tax per rate on the sum of the lines, half-up to the cent
    net = models.DecimalField(_("imponibile"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("IVA"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("totale documento"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("valuta"), max_length=3)
    xml = models.TextField(_("FatturaPA (XML)"), editable=False)
    xml_errors = models.TextField(_("errori di validazione XML"), blank=True, editable=False)
    created_at = models.DateTimeField(_("creata il"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("fattura")
        verbose_name_plural = _("fatture")
        ordering = ["-year", "-sequence"]
        indexes = [models.Index(fields=["customer", "-year", "-sequence"], name="invoice_customer_newest")]
        permissions = [("issue_credit_note", "Può emettere una nota di credito (rimborso)")]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_once_a_year"),
            # Rounded to the cent: SQLite adds decimals as floating point (see orders.Order).
            models.CheckConstraint(
                condition=models.Q(total=Round(models.F("net") + models.F("vat"), 2)), name="invoice_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def customer_is_person(self) -> bool:
        return self.customer_kind == Customer.Kind.PERSON

    @property
    def customer_is_public_administration(self) -> bool:
        return self.customer_kind == Customer.Kind.PUBLIC_ADMINISTRATION

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays the provider: with split payment, the VAT goes to the State."""
        return self.total - self.vat if self.split_payment else self.total

    @property
    def pdf_filename(self) -> str:
        prefix = "nota-di-credito" if self.is_credit_note else "fattura"
        return f"{prefix}-{self.number.replace('/', '-')}.pdf"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("riga"))
    description = models.CharField(_("descrizione"), max_length=1000)
    quantity = models.DecimalField(_("quantità"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("prezzo unitario"), max_digits=12, decimal_places=2)
    net = models.DecimalField(_("imponibile"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("aliquota IVA"), max_digits=4, decimal_places=2)
    natura = models.CharField(_("natura"), max_length=4, blank=True)
    period_start = models.DateField(_("inizio periodo"), null=True)
    period_end = models.DateField(_("fine periodo"), null=True)

    class Meta:
        verbose_name = _("riga")
        verbose_name_plural = _("righe")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_once")]

    def __str__(self) -> str:
        return self.description
