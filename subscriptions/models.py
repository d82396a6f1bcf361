import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib import clock
from lib.dates import add_months


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

    class Meta:
        verbose_name = _("servizio di conservazione")
        verbose_name_plural = _("servizi di conservazione")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(used_bytes__gte=0), name="service_used_bytes_not_negative"),
            models.CheckConstraint(condition=models.Q(quota_bytes__gt=0), name="service_quota_positive"),
        ]

    def __str__(self):
        return f"{self.plan.name} – {self.panel_username or self.public_id}"

    def get_absolute_url(self):
        return reverse("subscriptions:detail", kwargs={"public_id": self.public_id})

    # S2: the expiry date is shown in red from EXPIRY_WARNING_DAYS before it (and once expired).
    def days_to_expiry(self, today: datetime.date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or clock.today())).days

    def expiry_is_near(self, today: datetime.date | None = None) -> bool:
        days = self.days_to_expiry(today)
        return days is not None and days <= settings.EXPIRY_WARNING_DAYS

    # S6: space used, in red strictly above SPACE_WARNING_PERCENT (compared exactly, shown rounded).
    @property
    def space_used_percent(self) -> Decimal:
        exact = Decimal(self.used_bytes) * 100 / Decimal(self.quota_bytes)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def space_is_high(self) -> bool:
        return self.used_bytes * 100 > self.quota_bytes * settings.SPACE_WARNING_PERCENT

    @property
    def can_renew_by_hand(self) -> bool:
        return not self.auto_renew and self.status in RENEWABLE

    @property
    def can_increase_space(self) -> bool:
        """Only within a running term: the price is pro-rated to the days left in it."""
        return self.status == Service.Status.ACTIVE and self.expires_on > clock.today()

    def next_term(self, paid_on: datetime.date) -> tuple[datetime.date, datetime.date]:
        """Start and end of the term a renewal paid on `paid_on` buys: from the current expiry,
        or from the payment date if the service has already expired."""
        starts_on = max(self.expires_on, paid_on)
        return starts_on, add_months(starts_on, self.plan.term_months)

    @property
    def term_days(self) -> int:
        return (self.expires_on - self.term_started_on).days


RENEWABLE = {Service.Status.ACTIVE, Service.Status.EXPIRED, Service.Status.SUSPENDED}
