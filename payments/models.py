from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock
from payments.providers import provider_choices


class Payment(models.Model):
    """Money a provider confirmed. The provider's id is unique: a payment counts once.

    A payment that can no longer pay its order (cancelled, or already paid another way) is kept
    as the customer's credit, with an item in the operators' queue: never lost.
    """

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("ordine")
    )
    provider = models.CharField(_("fornitore"), max_length=20, choices=provider_choices)
    provider_payment_id = models.CharField(_("id del pagamento presso il fornitore"), max_length=100)
    amount = models.DecimalField(_("importo"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("valuta"), max_length=3)
    applied = models.BooleanField(_("ha pagato l'ordine"), default=True)
    confirmed_at = models.DateTimeField(_("confermato il"), default=clock.now)
    confirmed_by = models.CharField(_("confermato da"), max_length=254)
    # The invoice it was issued when it paid its order (billing sits below payments: the link is here).
    invoice = models.OneToOneField(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("fattura")
    )

    class Meta:
        verbose_name = _("pagamento")
        verbose_name_plural = _("pagamenti")
        permissions = [("register_transfer", "Può registrare un bonifico ricevuto")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id"], name="payment_unique_provider_id"),
            models.UniqueConstraint(fields=["order"], condition=models.Q(applied=True), name="payment_one_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.provider_payment_id}"


class PaymentAttempt(models.Model):
    """One submitted Pay form: its idempotency key makes a double submit reuse the same checkout."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20, choices=provider_choices)
    redirect_url = models.CharField(max_length=500)
    saved_card = models.BooleanField(default=False)  # an off-session charge: in flight until its outcome
    created_at = models.DateTimeField(default=clock.now)
    # When its checkout was closed at the provider, or its charge's outcome arrived.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tentativo di pagamento")
        verbose_name_plural = _("tentativi di pagamento")

    def __str__(self) -> str:
        return f"{self.provider} {self.idempotency_key}"


class WebhookEvent(models.Model):
    """A provider's notification that passed the signature check; its id makes it count once."""

    provider = models.CharField(_("fornitore"), max_length=20, choices=provider_choices)
    event_id = models.CharField(_("id evento"), max_length=100)
    event_type = models.CharField(_("tipo"), max_length=50)
    payload = models.JSONField(_("contenuto"))
    received_at = models.DateTimeField(_("ricevuto il"), default=clock.now)
    outcome = models.CharField(_("esito"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notifica del fornitore")
        verbose_name_plural = _("notifiche dei fornitori")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class RefusedWebhook(models.Model):
    """A notification refused (bad signature, stale, unknown order, other amount): for operators."""

    provider = models.CharField(_("fornitore"), max_length=20)
    reason = models.CharField(_("motivo"), max_length=300)
    body = models.TextField(_("contenuto (inizio)"), blank=True)
    remote_addr = models.GenericIPAddressField(_("indirizzo"), null=True, blank=True)
    received_at = models.DateTimeField(_("ricevuto il"), default=clock.now)

    class Meta:
        verbose_name = _("notifica rifiutata")
        verbose_name_plural = _("notifiche rifiutate")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.reason}"


class SavedCard(models.Model):
    """The provider's token for a customer's card, for automatic renewals. Never card data."""

    customer = models.OneToOneField(
        "accounts.Customer", on_delete=models.CASCADE, related_name="saved_card", verbose_name=_("cliente")
    )
    provider = models.CharField(_("fornitore"), max_length=20, choices=provider_choices)
    token = models.CharField(_("token del fornitore"), max_length=100)
    brand = models.CharField(_("circuito"), max_length=20)
    last4 = models.CharField(_("ultime 4 cifre"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("mese di scadenza"))
    exp_year = models.PositiveSmallIntegerField(_("anno di scadenza"))
    saved_at = models.DateTimeField(_("salvata il"), default=clock.now)

    class Meta:
        verbose_name = _("carta salvata")
        verbose_name_plural = _("carte salvate")

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class PaymentIssue(models.Model):
    """The operators' queue: money that arrived but could not simply pay an order."""

    class Kind(models.TextChoices):
        # CREDITO: money for a cancelled or already paid order; the others: transfers from the statement
        CREDIT = "CREDITO", _("Credito del cliente")
        PARTIAL = "PARZIALE", _("Bonifico parziale")
        EXCESS = "ECCEDENTE", _("Bonifico eccedente")
        UNMATCHED = "NON_ABBINATO", _("Bonifico non abbinato")
        REVERSAL = "STORNO", _("Storno della banca")

    kind = models.CharField(_("tipo"), max_length=20, choices=Kind)
    customer = models.ForeignKey(
        "accounts.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_issues",
        verbose_name=_("cliente"),
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordine")
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="issue", verbose_name=_("pagamento")
    )
    bank_entry = models.OneToOneField(
        "payments.BankEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issue",
        verbose_name=_("movimento bancario"),
    )
    amount = models.DecimalField(_("importo"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("valuta"), max_length=3)
    detail = models.CharField(_("dettaglio"), max_length=500)
    created_at = models.DateTimeField(_("creato il"), default=clock.now)
    resolved_at = models.DateTimeField(_("risolto il"), null=True, blank=True)
    resolved_by = models.CharField(_("risolto da"), max_length=254, blank=True)
    resolution = models.TextField(_("come è stato risolto"), blank=True)

    class Meta:
        verbose_name = _("pagamento da verificare")
        verbose_name_plural = _("pagamenti da verificare")
        ordering = ["resolved_at", "-created_at"]
        permissions = [("resolve_payment_issue", "Può risolvere un pagamento da verificare")]
        indexes = [models.Index(fields=["customer", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class BankAccount(models.Model):
    """The account customers pay into. Its row is locked while a statement of it is imported, so
    that two imports of overlapping statements run one after the other."""

    iban = models.CharField(_("IBAN"), max_length=34, unique=True)

    class Meta:
        verbose_name = _("conto corrente")
        verbose_name_plural = _("conti correnti")

    def __str__(self) -> str:
        return self.iban


class BankStatement(models.Model):
    """An imported ISO 20022 camt.053 statement (the file's own ids, not its content)."""

    message_id = models.CharField(_("id messaggio"), max_length=100)
    statement_id = models.CharField(_("id estratto conto"), max_length=100)
    iban = models.CharField(_("IBAN"), max_length=34)
    file_sha256 = models.CharField(_("impronta SHA-256 del file"), max_length=64)
    imported_at = models.DateTimeField(_("importato il"), default=clock.now)
    imported_by = models.CharField(_("importato da"), max_length=254)

    class Meta:
        verbose_name = _("estratto conto (camt.053)")
        verbose_name_plural = _("estratti conto (camt.053)")
        ordering = ["-imported_at"]
        permissions = [("import_statement", "Può importare un estratto conto camt.053")]

    def __str__(self) -> str:
        return f"{self.statement_id} ({self.iban})"


class BankEntry(models.Model):
    """One credit on the bank statement. The bank's entry reference makes it count once."""

    class Outcome(models.TextChoices):
        PAID = "PAGATO", _("ordine pagato")
        QUEUED = "IN_CODA", _("da verificare")

    # None while an entry an operator registered by hand waits to be seen on the bank's statement.
    statement = models.ForeignKey(
        BankStatement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("estratto conto (camt.053)"),
    )
    registered_by_hand = models.BooleanField(_("registrato a mano"), default=False)
    iban = models.CharField(_("IBAN"), max_length=34)
    # The bank's reference for the transaction, or a hash of the statement and the entry when the
    # bank gives none (payments/camt053.py): unique on the account, so a credit counts once.
    entry_ref = models.CharField(_("riferimento della banca"), max_length=100)
    booked_on = models.DateField(_("data contabile"))
    amount = models.DecimalField(_("importo"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("valuta"), max_length=3)
    debtor = models.CharField(_("ordinante"), max_length=200, blank=True)
    remittance = models.CharField(_("causale"), max_length=500, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordine")
    )
    outcome = models.CharField(_("esito"), max_length=10, choices=Outcome)

    class Meta:
        verbose_name = _("movimento bancario")
        verbose_name_plural = _("movimenti bancari")
        ordering = ["-booked_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["iban", "entry_ref"], name="bank_entry_once_per_account")]

    def __str__(self) -> str:
        return self.entry_ref


class StatementImport(models.Model):
    """A statement an operator uploaded: read at once, registered by a task, all or nothing."""

    class Status(models.TextChoices):
        QUEUED = "IN_CODA", _("in coda")
        RUNNING = "IN_CORSO", _("in corso")
        DONE = "COMPLETATO", _("completato")
        FAILED = "NON_RIUSCITO", _("non riuscito")

    file_name = models.CharField(_("file"), max_length=200)
    data = models.BinaryField(_("contenuto"))
    file_sha256 = models.CharField(_("impronta SHA-256 del file"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("caricato da")
    )
    uploaded_at = models.DateTimeField(_("caricato il"), default=clock.now)
    status = models.CharField(_("stato"), max_length=20, choices=Status, default=Status.QUEUED)
    credits = models.PositiveIntegerField(_("accrediti nel file"), default=0)
    paid = models.PositiveIntegerField(_("ordini pagati"), default=0)
    queued = models.PositiveIntegerField(_("da verificare"), default=0)
    already_imported = models.PositiveIntegerField(_("già importati"), default=0)
    skipped = models.PositiveIntegerField(_("ignorati"), default=0)
    error = models.TextField(_("errore"), blank=True)
    started_at = models.DateTimeField(_("iniziato il"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finito il"), null=True, blank=True)
    statement = models.ForeignKey(
        BankStatement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("estratto conto"),
    )

    class Meta:
        verbose_name = _("importazione di estratto conto")
        verbose_name_plural = _("importazioni di estratti conto")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
