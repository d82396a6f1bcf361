import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import GB
from lib import clock
from lib.dates import add_months


def suspension_cutoff(today: datetime.date) -> datetime.date:
    """A service that expired before this day has had its whole grace period."""
    return today - datetime.timedelta(days=settings.GRACE_PERIOD_DAYS)


def cessation_cutoff(today: datetime.date) -> datetime.date:
    """A service that expired before this day has been SOSPESO for CESSATION_DUE_DAYS."""
    return suspension_cutoff(today) - datetime.timedelta(days=settings.CESSATION_DUE_DAYS)


class ServiceQuerySet(models.QuerySet["Service"]):
    """What is due, written once: the daily run claims through these, and the transitions lock
    through them, so both read the same rule."""

    def due_to_expire(self, today: datetime.date) -> "ServiceQuerySet":
        """ATTIVO after the last day of the paid term."""
        return self.filter(status=Service.Status.ACTIVE, expires_on__lt=today)

    def due_for_suspension(self, today: datetime.date) -> "ServiceQuerySet":
        return self.filter(status=Service.Status.EXPIRED, expires_on__lt=suspension_cutoff(today))

    def due_for_cessation(self, today: datetime.date) -> "ServiceQuerySet":
        """SOSPESO long enough for the admin to list it: an operator still has to confirm."""
        return self.filter(status=Service.Status.SUSPENDED, expires_on__lt=cessation_cutoff(today))


class Service(models.Model):
    """One subscription to "Conservazione Sostitutiva": a plan, a term, a quota, a panel username."""

    class Status(models.TextChoices):
        PENDING = "IN_ATTIVAZIONE", _("IN ATTIVAZIONE")
        ACTIVE = "ATTIVO", _("ATTIVO")
        EXPIRED = "SCADUTO", _("SCADUTO")
        SUSPENDED = "SOSPESO", _("SOSPESO")
        CEASED = "CESSATO", _("CESSATO")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="services", verbose_name=_("cliente")
    )
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT, related_name="+", verbose_name=_("piano"))
    status = models.CharField(_("stato"), max_length=20, choices=Status, default=Status.PENDING, editable=False)
    panel_username = models.CharField(_("username del pannello"), max_length=32, unique=True, null=True, editable=False)
    term_started_on = models.DateField(_("inizio periodo"), null=True, editable=False)
    expires_on = models.DateField(_("data scadenza"), null=True, editable=False, db_index=True)
    quota_bytes = models.BigIntegerField(_("spazio disponibile (byte)"), editable=False)
    used_bytes = models.BigIntegerField(_("spazio occupato (byte)"), default=0)
    auto_renew = models.BooleanField(_("rinnovo automatico"), default=False, editable=False)
    created_at = models.DateTimeField(_("creato il"), default=clock.now, editable=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("servizio di conservazione")
        verbose_name_plural = _("servizi di conservazione")
        ordering = ["created_at", "id"]
        permissions = [("cease_service", "Può cessare un servizio scaduto o sospeso")]
        indexes = [
            # The daily run's claims (a state and an expiry range, oldest first, one row at a time):
            # read only the services due, not every service that expired in the past years.
            models.Index(fields=["status", "expires_on"], name="service_status_expiry"),
            models.Index(fields=["expires_on"], condition=models.Q(auto_renew=True), name="service_auto_renew_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(used_bytes__gte=0), name="service_used_bytes_not_negative"),
            models.CheckConstraint(condition=models.Q(quota_bytes__gt=0), name="service_quota_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} – {self.panel_username or self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("subscriptions:detail", kwargs={"public_id": self.public_id})

    # S2: the expiry date is shown in red from EXPIRY_WARNING_DAYS before it (and once expired).
    def days_to_expiry(self, today: datetime.date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or clock.today())).days

    def expiry_is_near(self, today: datetime.date | None = None) -> bool:
        days = self.days_to_expiry(today)
        return days is not None and days <= settings.EXPIRY_WARNING_DAYS

    # The days each state begins on, from the expiry: the run moves the service on these days
    # (ServiceQuerySet), and the page and the mails name them.
    @property
    def read_only_from(self) -> datetime.date | None:
        """The first day SCADUTO: the day after the last day of the paid term."""
        return self.expires_on + datetime.timedelta(days=1) if self.expires_on else None

    @property
    def suspended_from(self) -> datetime.date | None:
        """The first day SOSPESO, once the grace period after expiry has passed."""
        return self.expires_on + datetime.timedelta(days=settings.GRACE_PERIOD_DAYS + 1) if self.expires_on else None

    @property
    def cessation_due_from(self) -> datetime.date | None:
        """The first day the admin lists the service as due for cessation."""
        suspended_from = self.suspended_from
        return suspended_from + datetime.timedelta(days=settings.CESSATION_DUE_DAYS) if suspended_from else None

    # S6: space used, in red strictly above SPACE_WARNING_PERCENT (compared exactly, shown rounded).
    @property
    def space_used_percent(self) -> Decimal:
        exact = Decimal(self.used_bytes) * 100 / Decimal(self.quota_bytes)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def space_is_high(self) -> bool:
        return self.used_bytes * 100 > self.quota_bytes * settings.SPACE_WARNING_PERCENT

    # What the page offers and what the order service accepts, with the reason when not.

    def renewal_refusal(self, *, automatic: bool = False) -> str:
        if self.status not in RENEWABLE:
            return gettext("Questo servizio non può essere rinnovato.")
        if self.auto_renew and not automatic:
            return gettext("Il rinnovo automatico è attivo: il servizio si rinnoverà da solo.")
        return ""

    @property
    def can_renew_by_hand(self) -> bool:
        return not self.renewal_refusal()

    def space_increase_refusal(self) -> str:
        """Only within a running term: the price is pro-rated to the days left in it."""
        if self.status != Service.Status.ACTIVE or self.expires_on is None or self.expires_on <= clock.today():
            return gettext("Lo spazio si può aumentare solo su un servizio attivo e non scaduto.")
        return ""

    @property
    def can_increase_space(self) -> bool:
        return not self.space_increase_refusal()

    def next_term(self, paid_on: datetime.date) -> tuple[datetime.date, datetime.date]:
        """Start and end of the term a renewal paid on `paid_on` buys: from the current expiry,
        or from the payment date if the service has already expired."""
        starts_on = max(self.expires_on, paid_on) if self.expires_on else paid_on
        return starts_on, add_months(starts_on, self.plan.term_months)

    @property
    def term_days(self) -> int:
        if self.expires_on is None or self.term_started_on is None:
            return 0
        return (self.expires_on - self.term_started_on).days


class AddOn(models.Model):
    """Extra space bought for a service: paid pro-rated for the rest of the term it was bought in,
    then renewed with the service at its yearly price, until the customer drops it at a renewal."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="add_ons", verbose_name=_("servizio"))
    size_bytes = models.BigIntegerField(_("spazio (byte)"))
    yearly_price_net = models.DecimalField(_("prezzo annuo IVA esclusa (EUR)"), max_digits=10, decimal_places=2)
    added_on = models.DateField(_("aggiunto il"))
    ended_on = models.DateField(_("tolto il"), null=True, blank=True)

    class Meta:
        verbose_name = _("spazio aggiuntivo")
        verbose_name_plural = _("spazi aggiuntivi")
        ordering = ["added_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(size_bytes__gt=0), name="add_on_size_positive")]

    def __str__(self) -> str:
        return gettext("+%(size)s GB di spazio") % {"size": self.size_bytes // GB}

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


RENEWABLE = {Service.Status.ACTIVE, Service.Status.EXPIRED, Service.Status.SUSPENDED}
