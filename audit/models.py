from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.values import AuditValue, decode
from lib import clock


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry: the trail only grows."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"Audit entries are append-only: cannot {what} them.")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update")

    def delete(self) -> NoReturn:
        _refuse("delete")


class AuditEntry(models.Model):
    """One change of state of a customer, an order or a service: who, what, when. Append-only,
    here and in the database (see audit/guards.py)."""

    class Action(models.TextChoices):
        CUSTOMER_SIGNED_UP = "customer.signed_up", _("cliente registrato")
        CUSTOMER_DETAILS_CHANGED = "customer.details_changed", _("dati aziendali modificati")
        CARD_SAVED = "customer.card_saved", _("carta salvata")
        CARD_REMOVED = "customer.card_removed", _("carta rimossa")
        SERVICE_OPENED = "service.opened", _("servizio aperto")
        SERVICE_ACTIVATED = "service.activated", _("servizio attivato")
        SERVICE_RENEWED = "service.renewed", _("servizio rinnovato")
        SERVICE_QUOTA_RAISED = "service.quota_raised", _("spazio aumentato")
        SERVICE_USAGE_SET = "service.usage_set", _("spazio occupato aggiornato")
        SERVICE_AUTO_RENEW_ON = "service.auto_renew_on", _("rinnovo automatico attivato")
        SERVICE_AUTO_RENEW_OFF = "service.auto_renew_off", _("rinnovo automatico disattivato")
        SERVICE_DISCARDED = "service.discarded", _("servizio rimosso")
        SERVICE_EXPIRED = "service.expired", _("servizio scaduto")
        SERVICE_SUSPENDED = "service.suspended", _("servizio sospeso")
        SERVICE_CEASED = "service.ceased", _("servizio cessato")
        SERVICE_SPACE_USED = "service.space_used", _("spazio occupato dai documenti versati")
        ORDER_PLACED = "order.placed", _("ordine creato")
        ORDER_PAYMENT_STARTED = "order.payment_started", _("pagamento avviato")
        ORDER_TRANSFER_CHOSEN = "order.transfer_chosen", _("bonifico scelto")
        ORDER_TRANSFER_DECLARED = "order.transfer_declared", _("bonifico dichiarato dal cliente")
        ORDER_PAYMENT_FAILED = "order.payment_failed", _("pagamento non riuscito")
        ORDER_PAID = "order.paid", _("ordine pagato")
        ORDER_CANCELLED = "order.cancelled", _("ordine annullato")
        PAYMENT_CREDITED = "payment.credited", _("pagamento tenuto come credito")
        CREDIT_USED = "payment.credit_used", _("credito usato per un altro ordine")
        PAYMENT_ISSUE_RESOLVED = "payment.issue_resolved", _("voce da verificare risolta")
        STATEMENT_IMPORTED = "payment.statement_imported", _("estratto conto importato")
        INVOICE_ISSUED = "invoice.issued", _("fattura emessa")
        CREDIT_NOTE_ISSUED = "invoice.credit_note_issued", _("nota di credito emessa")
        DEPOSIT_ACCEPTED = "archive.deposit_accepted", _("versamento accettato")
        DEPOSIT_REJECTED = "archive.deposit_rejected", _("versamento rifiutato")
        ARCHIVE_EXPORTED = "archive.exported", _("archivio scaricato per intero")
        ORPHAN_FILE_REMOVED = "archive.orphan_removed", _("file orfano rimosso dall'archivio")
        PANEL_ENTERED = "panel.entered", _("ingresso nel pannello")
        RECORD_CHANGED_IN_ADMIN = "admin.record_changed", _("modificato dal back-office")
        PANEL_PASSWORD_SET = "panel.password_set", _("password del pannello impostata")
        SIGNED_IN = "security.signed_in", _("accesso")
        SIGN_IN_FAILED = "security.sign_in_failed", _("accesso non riuscito")
        LOCKED_OUT = "security.locked_out", _("accesso bloccato per troppi tentativi")
        SIGNED_OUT = "security.signed_out", _("uscita da tutti i dispositivi")
        PASSWORD_CHANGED = "security.password_changed", _("password cambiata")
        PASSWORD_RESET_REQUESTED = "security.password_reset_requested", _("recupero password richiesto")
        PASSWORD_RESET = "security.password_reset", _("password reimpostata con il link di recupero")
        EMAIL_VERIFIED = "security.email_verified", _("email verificata")
        TWO_FACTOR_ENABLED = "security.two_factor_on", _("verifica in due passaggi attivata")
        TWO_FACTOR_DISABLED = "security.two_factor_off", _("verifica in due passaggi disattivata")
        SECOND_FACTOR_FAILED = "security.second_factor_failed", _("codice di verifica errato")
        RECOVERY_CODES_RENEWED = "security.recovery_codes_renewed", _("codici di recupero rigenerati")
        RECOVERY_CODE_USED = "security.recovery_code_used", _("codice di recupero usato")
        API_KEY_CREATED = "api.key_created", _("chiave API creata")
        API_KEY_REVOKED = "api.key_revoked", _("chiave API revocata")
        API_WEBHOOK_SET = "api.webhook_set", _("webhook impostato")
        API_WEBHOOK_REMOVED = "api.webhook_removed", _("webhook tolto")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("oggetto"), max_length=200)
    action = models.CharField(_("operazione"), max_length=50, choices=Action)
    from_state = models.CharField(_("da"), max_length=30, blank=True)
    to_state = models.CharField(_("a"), max_length=30, blank=True)
    # PROTECT: SET_NULL would rewrite the entry. A user who acted is deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("utente")
    )
    actor_label = models.CharField(_("chi"), max_length=254)
    changes = models.JSONField(_("dettagli"), default=dict, blank=True)
    created_at = models.DateTimeField(_("quando"), default=clock.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("voce del registro")
        verbose_name_plural = _("registro delle operazioni")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("update")
        # Never an UPDATE, even for a new instance given the id of an existing row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete")

    def values(self) -> dict[str, AuditValue]:
        """The changes as the exact Python values that were recorded."""
        return {key: decode(item) for key, item in self.changes.items()}
