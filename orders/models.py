from decimal import Decimal

from django.db import models
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import GB
from lib import clock


class OrderQuerySet(models.QuerySet["Order"]):
    def for_table(self) -> "OrderQuerySet":
        """Orders as a table shows them: each with its plan and, of its invoices, the few columns a
        row links to (not their XML). Billing sits above orders: its model comes from the relation."""
        invoice_model = Order.invoices.rel.related_model
        invoices = invoice_model._default_manager.only("id", "order_id", "public_id", "number", "kind")
        return self.select_related("plan").prefetch_related(models.Prefetch("invoices", queryset=invoices))


class Order(models.Model):
    """A request to buy something for a service. It is not an invoice: it becomes one when paid."""

    class Kind(models.TextChoices):
        FIRST_PURCHASE = "PRIMO_ACQUISTO", _("Primo Acquisto")
        RENEWAL = "RINNOVO", _("Rinnovo")
        SPACE_INCREASE = "AUMENTO_SPAZIO", _("Aumento spazio")

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "ATTESA_PAGAMENTO", _("ATTESA PAGAMENTO")
        ACTIVE = "ATTIVO", _("ATTIVO")
        CANCELLED = "ANNULLATO", _("ANNULLATO")

    class PaymentMethod(models.TextChoices):
        NONE = "", _("non scelto")
        CARD = "CARTA", _("carta di pagamento")
        TRANSFER = "BONIFICO", _("bonifico bancario")

    number = models.CharField(_("numero ordine"), max_length=20, unique=True, null=True, editable=False)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("cliente")
    )
    # Null once a first purchase is cancelled and its never-active service removed.
    service = models.ForeignKey(
        "subscriptions.Service",
        null=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        editable=False,
        verbose_name=_("servizio"),
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind, editable=False)
    status = models.CharField(
        _("stato"), max_length=20, choices=Status, default=Status.AWAITING_PAYMENT, editable=False
    )
    payment_method = models.CharField(
        _("metodo di pagamento"), max_length=10, choices=PaymentMethod, blank=True, default="", editable=False
    )
    plan = models.ForeignKey(
        "catalog.Plan", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("piano")
    )
    extra_bytes = models.BigIntegerField(_("spazio aggiuntivo (byte)"), default=0, editable=False)
    net = models.DecimalField(_("imponibile"), max_digits=10, decimal_places=2, editable=False)
    vat_rate = models.DecimalField(_("aliquota IVA"), max_digits=4, decimal_places=2, editable=False)
    vat = models.DecimalField(_("IVA"), max_digits=10, decimal_places=2, editable=False)
    total = models.DecimalField(_("totale"), max_digits=10, decimal_places=2, editable=False)
    # A public administration pays the VAT to the State itself (scissione dei pagamenti): it pays us the net.
    split_payment = models.BooleanField(_("scissione dei pagamenti"), default=False, editable=False)
    currency = models.CharField(_("valuta"), max_length=3, default="EUR", editable=False)
    created_at = models.DateTimeField(_("data ordine"), default=clock.now, editable=False)
    paid_at = models.DateTimeField(_("pagato il"), null=True, editable=False)
    cancelled_at = models.DateTimeField(_("annullato il"), null=True, editable=False)
    # The customer said "I have paid" by transfer; an operator still has to see it credited.
    transfer_declared_at = models.DateTimeField(_("bonifico dichiarato il"), null=True, editable=False)
    # What the provider said of the last charge that failed; cleared when a new payment starts.
    last_payment_error = models.CharField(
        _("ultimo pagamento non riuscito"), max_length=200, blank=True, editable=False
    )
    # The key of the form that placed it (orders/forms.py): the same form posted again finds this
    # order instead of placing another. None for orders placed without a form (automatic renewals).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # Placed by the daily run for a service renewing by itself: switching automatic renewal off
    # cancels it while it waits (payments.renewals.auto_renew_switch), never an order of the customer's.
    placed_automatically = models.BooleanField(_("ordine di rinnovo automatico"), default=False, editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("ordine")
        verbose_name_plural = _("ordini")
        ordering = ["-created_at", "-id"]
        # The whole ordering, id included: a page of a customer's (or a service's) orders reads the
        # index in order instead of sorting every one of them.
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="order_customer_newest"),
            models.Index(fields=["service", "-created_at", "-id"], name="order_service_newest"),
        ]
        constraints = [
            # One open order of a kind per service: a second Renew shows the waiting one.
            models.UniqueConstraint(
                fields=["service", "kind"],
                condition=models.Q(status="ATTESA_PAGAMENTO"),
                name="order_one_open_per_service_and_kind",
            ),
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="order_once_per_form"),
            # Rounded to the cent: SQLite adds decimals as floating point, and 19.90 + 4.38 is not 24.28 there.
            models.CheckConstraint(
                condition=models.Q(total=Round(models.F("net") + models.F("vat"), 2)), name="order_total"
            ),
        ]

    def __str__(self) -> str:
        return self.number or gettext("ordine in creazione")

    @property
    def summary(self) -> str:
        if self.kind == self.Kind.SPACE_INCREASE:
            return gettext("%(plan)s: +%(size)s GB di spazio") % {
                "plan": self.plan.name,
                "size": self.extra_bytes // GB,
            }
        return self.plan.name

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays us: the total, or the net amount with split payment."""
        return self.net if self.split_payment else self.total

    def is_exact_payment(self, amount: Decimal, currency: str) -> bool:
        """Money pays this order only when it is the amount due, in its currency: the one rule for
        card notifications, bank credits and credits an operator moves."""
        return currency == self.currency and Decimal(amount) == self.amount_due

    @property
    def is_awaiting_payment(self) -> bool:
        return self.status == self.Status.AWAITING_PAYMENT

    @property
    def awaiting_transfer(self) -> bool:
        """ "ATTESA PAGAMENTO" covers both a bank transfer not yet registered and an unpaid order."""
        return self.is_awaiting_payment and self.payment_method == self.PaymentMethod.TRANSFER

    @property
    def status_detail(self) -> str:
        if self.awaiting_transfer and self.transfer_declared_at:
            return gettext("Bonifico dichiarato dal cliente il %(date)s: in attesa di registrazione.") % {
                "date": date_format(timezone.localtime(self.transfer_declared_at), "SHORT_DATE_FORMAT")
            }
        if self.awaiting_transfer:
            return gettext("Bonifico scelto, non ancora dichiarato: in attesa di accredito e registrazione.")
        if self.is_awaiting_payment and self.last_payment_error:
            return gettext("Non ancora pagato: l'ultimo pagamento non è riuscito (%(reason)s).") % {
                "reason": self.last_payment_error
            }
        if self.is_awaiting_payment:
            return gettext("Non ancora pagato.")
        return ""


class OrderLine(models.Model):
    """What an order buys, line by line: the plan, or a space add-on (bought, or renewed with the
    service at its yearly price). The order's net is the sum of its lines."""

    class Kind(models.TextChoices):
        PLAN = "PIANO", _("piano")
        SPACE = "SPAZIO", _("spazio aggiuntivo")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("ordine"))
    position = models.PositiveSmallIntegerField(_("riga"))
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind)
    # The add-on a renewal renews (a space increase creates its add-on only when paid).
    add_on = models.ForeignKey("subscriptions.AddOn", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    size_bytes = models.BigIntegerField(_("spazio (byte)"), default=0)
    yearly_price_net = models.DecimalField(_("prezzo annuo IVA esclusa"), max_digits=10, decimal_places=2)
    net = models.DecimalField(_("imponibile"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("riga d'ordine")
        verbose_name_plural = _("righe d'ordine")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="order_line_once")]

    def __str__(self) -> str:
        if self.kind == self.Kind.SPACE:
            return gettext("+%(size)s GB di spazio") % {"size": self.size_bytes // GB}
        return self.order.plan.name
