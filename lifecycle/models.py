"""What each daily run did: when it ran, how many services each step moved along, and each
error with the service it concerns, so that operators (and a monitor) can trust the run."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from subscriptions.models import Service


class DailyRun(models.Model):
    """One run of update_services. Written outside the services' transactions, so a service's
    rollback never takes the run's record with it. A run killed half-way (the machine stopped)
    stays RUNNING: past LIFECYCLE_RUN_CRASHED_AFTER_HOURS without a finish it counts as crashed."""

    class Outcome(models.TextChoices):
        RUNNING = "IN_CORSO", _("in corso")
        SUCCEEDED = "RIUSCITA", _("riuscita")
        FAILED = "CON_ERRORI", _("con errori")  # the run went through; some services had errors
        CRASHED = "INTERROTTA", _("interrotta")  # the run itself died

    business_day = models.DateField(_("giorno lavorato"))
    started_at = models.DateTimeField(_("iniziata il"), db_index=True)
    finished_at = models.DateTimeField(_("finita il"), null=True, blank=True)
    outcome = models.CharField(_("esito"), max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    # One count per step, in the order the run takes them; a later step (reminders, retries) adds its own.
    expired = models.PositiveIntegerField(_("servizi scaduti"), default=0)
    suspended = models.PositiveIntegerField(_("servizi sospesi"), default=0)
    renewal_orders_placed = models.PositiveIntegerField(_("ordini di rinnovo automatico"), default=0)
    charges_asked = models.PositiveIntegerField(_("addebiti chiesti"), default=0)
    charges_refused = models.PositiveIntegerField(_("addebiti non chiesti"), default=0)
    reminders = models.PositiveIntegerField(_("promemoria di scadenza"), default=0)
    retries = models.PositiveIntegerField(_("addebiti ritentati"), default=0)

    class Meta:
        verbose_name = _("esecuzione giornaliera")
        verbose_name_plural = _("esecuzioni giornaliere")
        ordering = ["-started_at", "-pk"]
        # The run's record is only ever viewed; roles give operators view_dailyrun.
        default_permissions = ["view"]

    def __str__(self) -> str:
        return f"{self.business_day:%d/%m/%Y} ({self.get_outcome_display()})"

    def is_crashed(self, now: datetime.datetime) -> bool:
        """Crashed by its own account, or still "running" long after any run would have ended."""
        if self.outcome == self.Outcome.CRASHED:
            return True
        limit = datetime.timedelta(hours=settings.LIFECYCLE_RUN_CRASHED_AFTER_HOURS)
        return self.outcome == self.Outcome.RUNNING and self.started_at < now - limit

    def counts(self) -> dict[str, int]:
        return {
            "expired": self.expired,
            "suspended": self.suspended,
            "renewal_orders_placed": self.renewal_orders_placed,
            "charges_asked": self.charges_asked,
            "charges_refused": self.charges_refused,
            "reminders": self.reminders,
            "retries": self.retries,
        }


class RunError(models.Model):
    """One service's error in a run: the service's own change was rolled back, the others went on."""

    class Step(models.TextChoices):
        EXPIRY = "SCADENZA", _("scadenza")
        SUSPENSION = "SOSPENSIONE", _("sospensione")
        AUTO_RENEWAL = "RINNOVO_AUTOMATICO", _("ordine di rinnovo automatico")
        CHARGE = "ADDEBITO", _("addebito del rinnovo automatico")
        REMINDER = "PROMEMORIA", _("promemoria di scadenza")
        RETRY = "NUOVO_ADDEBITO", _("nuovo tentativo di addebito")
        CESSATION = "CESSAZIONE", _("cessazione da confermare (nessuna esecuzione cessa un servizio)")
        RUN = "ESECUZIONE", _("esecuzione")  # the run itself, no service

    TRACEBACK_LIMIT = 4000

    run = models.ForeignKey(DailyRun, on_delete=models.CASCADE, related_name="errors", verbose_name=_("esecuzione"))
    step = models.CharField(_("passo"), max_length=20, choices=Step.choices)
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("servizio")
    )
    order_id = models.PositiveBigIntegerField(_("ordine (id)"), null=True, blank=True)
    message = models.TextField(_("messaggio"))
    traceback = models.TextField(_("traceback (estratto)"), blank=True)
    created_at = models.DateTimeField(_("registrato il"))

    class Meta:
        verbose_name = _("errore dell'esecuzione")
        verbose_name_plural = _("errori dell'esecuzione")
        ordering = ["pk"]
        default_permissions = ["view"]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.message[:80]}"


class DueService(Service):
    """The services due for a step of the next run, as the admin lists them (lifecycle.admin)."""

    class Meta:
        proxy = True
        verbose_name = _("servizio da lavorare")
        verbose_name_plural = _("servizi da lavorare")
        default_permissions = ()  # seen with the runs' permission, view_dailyrun


class ServiceReminder(models.Model):
    """A reminder of expiry claimed for one service, one term (its expires_on) and one threshold
    (LIFECYCLE_REMINDER_DAYS): the unique constraint makes a second one impossible, whatever runs
    at once or again. The row is written in the transaction that queues the mail (lifecycle.periodic)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name=_("servizio"), db_index=False
    )
    # Indexed: the run's "not yet reminded" reads only the reminders of the terms in its window.
    expires_on = models.DateField(_("scadenza del periodo"), db_index=True)
    days_before = models.PositiveSmallIntegerField(_("giorni prima della scadenza"))
    sent_at = models.DateTimeField(_("messo in coda il"))

    class Meta:
        verbose_name = _("promemoria di scadenza")
        verbose_name_plural = _("promemoria di scadenza")
        ordering = ["-sent_at", "-pk"]
        default_permissions = ["view"]
        constraints = [
            # Leads with service: it is also the index the run's "not yet reminded" lookup uses.
            models.UniqueConstraint(
                fields=["service", "expires_on", "days_before"], name="service_reminder_once_per_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.expires_on:%d/%m/%Y} - {self.days_before}"


class RenewalRetry(models.Model):
    """A new try of a declined automatic renewal charge, claimed for one order and one threshold
    (LIFECYCLE_RETRY_DAYS): the unique constraint makes a second one impossible, whatever runs at
    once or again. Written in the transaction that queues the charge (or, with no saved card, the
    customer's mail) (lifecycle.periodic.handle_one_retry)."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("ordine"), db_index=False
    )
    days_before = models.PositiveSmallIntegerField(_("giorni prima della scadenza"))
    card_saved = models.BooleanField(_("carta salvata presente"))
    tried_at = models.DateTimeField(_("ritentato il"))

    class Meta:
        verbose_name = _("nuovo tentativo di addebito")
        verbose_name_plural = _("nuovi tentativi di addebito")
        ordering = ["-tried_at", "-pk"]
        default_permissions = ["view"]
        constraints = [models.UniqueConstraint(fields=["order", "days_before"], name="renewal_retry_once")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.days_before}"
