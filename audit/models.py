from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


class AuditEntry(models.Model):
    """One change of state of an order or a service: who, what, when. Append-only."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("oggetto"), max_length=200)
    action = models.CharField(_("operazione"), max_length=50)
    from_state = models.CharField(_("da"), max_length=30, blank=True)
    to_state = models.CharField(_("a"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("utente")
    )
    actor_label = models.CharField(_("chi"), max_length=254)
    changes = models.JSONField(_("dettagli"), default=dict, blank=True)
    created_at = models.DateTimeField(_("quando"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("voce del registro")
        verbose_name_plural = _("registro delle operazioni")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.object_repr}: {self.action}"
