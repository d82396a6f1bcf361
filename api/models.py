"""API keys, the requests answered once under an Idempotency-Key, and the per-key request counts."""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


def secret_digest(secret: str) -> str:
    """A key is kept by an HMAC of its secret under API_KEY_HASH_SECRET: a copy of the database
    authenticates nobody, and a random 256-bit secret needs no slow hash."""
    return hmac.new(settings.API_KEY_HASH_SECRET.encode(), secret.encode(), hashlib.sha256).hexdigest()


class ApiKey(models.Model):
    """A key an ERP authenticates with, for one service: `cs_<prefix>_<secret>`. The prefix finds the
    row, the secret is compared with its HMAC in constant time; neither is ever shown again."""

    service = models.ForeignKey(
        "subscriptions.Service", on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("servizio")
    )
    name = models.CharField(_("nome"), max_length=100)
    prefix = models.CharField(_("identificativo"), max_length=16, unique=True, editable=False)
    secret_hmac = models.CharField(max_length=64, editable=False)
    may_deposit = models.BooleanField(_("può versare"), default=False)
    may_read = models.BooleanField(_("può leggere"), default=True)
    created_at = models.DateTimeField(_("creata il"), default=clock.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("creata da")
    )
    expires_at = models.DateTimeField(_("scade il"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revocata il"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("chiave API")
        verbose_name_plural = _("chiavi API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (cs_{self.prefix}_…)"

    @property
    def scopes(self) -> list[str]:
        return [scope for scope, allowed in (("deposit", self.may_deposit), ("read", self.may_read)) if allowed]

    def is_usable(self) -> bool:
        now = clock.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentRequest(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed to its retries. The unique
    constraint, not timing, makes concurrent copies of one request run it once: the first insert wins,
    the others find its row."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)  # method, path and body: another body is refused
    status_code = models.PositiveSmallIntegerField(null=True)  # None while the first request runs
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_once_per_api_key")]

    def __str__(self) -> str:
        return self.key


class RequestCount(models.Model):
    """Requests a key made in one window (API_RATE_LIMIT_WINDOW_SECONDS): in the database, so that the
    limit holds across processes."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "window_start"], name="request_count_per_window")]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.window_start}: {self.count}"


class Webhook(models.Model):
    """Where the service's packages' outcomes are posted, signed with the secret shown once when the
    address was set (lib.signing: the same recipe as the payment notifications, docs/api.md)."""

    service = models.OneToOneField(
        "subscriptions.Service", on_delete=models.PROTECT, related_name="webhook", verbose_name=_("servizio")
    )
    url = models.URLField(_("indirizzo"), max_length=500)
    secret = models.CharField(max_length=64, editable=False)  # kept as is: every call is signed with it
    created_at = models.DateTimeField(_("impostato il"), default=clock.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("impostato da")
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event to post: sent at once, then again with a growing delay until the receiver answers
    2xx or API_WEBHOOK_ATTEMPTS are spent. The body is kept as sent, so each attempt signs the same
    bytes; the receiver de-duplicates by the event's id."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(unique=True, editable=False)
    event = models.CharField(_("evento"), max_length=40)
    body = models.TextField()
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    next_attempt_at = models.DateTimeField(_("prossimo tentativo"), null=True, db_index=True)
    delivered_at = models.DateTimeField(_("consegnato il"), null=True)
    last_response = models.CharField(_("ultima risposta"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("creato il"), default=clock.now)

    class Meta:
        verbose_name = _("consegna del webhook")
        verbose_name_plural = _("consegne del webhook")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
