from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


class AssistanceRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "APERTA", _("aperta")
        CLOSED = "CHIUSA", _("chiusa")

    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="assistance_requests", verbose_name=_("cliente")
    )
    service = models.ForeignKey(
        "subscriptions.Service", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("servizio")
    )
    subject = models.CharField(_("oggetto"), max_length=150)
    message = models.TextField(_("messaggio"), max_length=5000)
    phone = models.CharField(_("telefono per essere richiamato"), max_length=30, blank=True)
    status = models.CharField(_("stato"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("ricevuta il"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("richiesta di assistenza")
        verbose_name_plural = _("richieste di assistenza")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class GuideFeedback(models.Model):
    """ "La tua opinione è importante per noi!": was this guide helpful?"""

    guide = models.SlugField(_("guida"))
    helpful = models.BooleanField(_("utile"))
    customer = models.ForeignKey("accounts.Customer", null=True, on_delete=models.SET_NULL, verbose_name=_("cliente"))
    created_at = models.DateTimeField(_("ricevuta il"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("opinione su una guida")
        verbose_name_plural = _("opinioni sulle guide")

    def __str__(self) -> str:
        return f"{self.guide}: {'sì' if self.helpful else 'no'}"
