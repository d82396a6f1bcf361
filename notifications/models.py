from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


class MailFailure(models.Model):
    """A mail a task could not send (the mail server refused it, a header could not be written):
    kept for the operators, who see it in the admin, while the task itself still fails."""

    failed_at = models.DateTimeField(_("non inviata il"), default=clock.now, db_index=True)
    mail = models.CharField(_("comunicazione"), max_length=50)
    reference = models.CharField(_("riferimento"), max_length=100, blank=True)
    recipients = models.CharField(_("destinatari"), max_length=500)
    subject = models.CharField(_("oggetto"), max_length=300, blank=True)
    error = models.TextField(_("errore"))

    class Meta:
        verbose_name = _("mail non inviata")
        verbose_name_plural = _("mail non inviate")
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.mail} {self.reference}: {self.recipients}"
