import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


def new_checkout_token() -> str:
    return secrets.token_urlsafe(24)


class Checkout(models.Model):
    """The sandbox gateway's side: a session on its hosted page, or an off-session charge."""

    class Status(models.TextChoices):
        OPEN = "open", _("aperta")
        REQUIRES_ACTION = "requires_action", _("in attesa di autenticazione")
        SUCCEEDED = "succeeded", _("pagata")
        FAILED = "failed", _("non riuscita")
        CANCELED = "canceled", _("chiusa dal negozio")

    token = models.CharField(max_length=64, unique=True, default=new_checkout_token, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True)
    order_number = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    save_card = models.BooleanField(default=False)
    card_number = models.CharField(max_length=19, blank=True)
    card_expiry = models.CharField(max_length=5, blank=True)  # MM/YY, as typed on the page
    failure_message = models.CharField(max_length=200, blank=True)
    # Where the merchant sends the customer back: after the card, or without paying.
    return_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sessione di pagamento sandbox")
        verbose_name_plural = _("sessioni di pagamento sandbox")

    def __str__(self) -> str:
        return f"sandbox {self.order_number} {self.status}"


class VaultCard(models.Model):
    """The sandbox gateway's vault: what a saved card's token stands for."""

    token = models.CharField(max_length=64, unique=True)
    card_number = models.CharField(max_length=19)
    card_expiry = models.CharField(max_length=5)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.token


class Notification(models.Model):
    """The sandbox gateway's outbox: a notification is kept until Conserva accepts it, and sent
    again until then, as a gateway retries its webhooks."""

    event_id = models.CharField(max_length=64, unique=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True)
    last_response = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.event_id
