import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


def token_digest(token: str) -> str:
    """Tickets are kept by the hash of their token: a copy of the database opens no panel."""
    return hashlib.sha256(token.encode()).hexdigest()


class PanelTicket(models.Model):
    """A one-time link into a service's panel, from the customer area: valid a minute, used once,
    for the customer who asked for it and that service only."""

    token_sha256 = models.CharField(max_length=64, unique=True)
    service = models.ForeignKey("subscriptions.Service", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("accesso al pannello")
        verbose_name_plural = _("accessi al pannello")

    def __str__(self) -> str:
        return f"{self.service_id} {self.created_at:%Y-%m-%d %H:%M}"


class PanelAccount(models.Model):
    """The panel's own login for one service: its panel username and a password the customer sets.
    Its user has no customer: whoever holds it (an accountant) sees that panel and nothing else."""

    service = models.OneToOneField(
        "subscriptions.Service", on_delete=models.PROTECT, related_name="panel_account", verbose_name=_("servizio")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_account", verbose_name=_("utente")
    )

    class Meta:
        verbose_name = _("accesso del pannello")
        verbose_name_plural = _("accessi del pannello")

    def __str__(self) -> str:
        return str(self.user)
