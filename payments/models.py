import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import clock


class Payment(models.Model):
    """Money a provider confirmed for an order. The provider's id is unique: a payment counts once."""

    class Provider(models.TextChoices):
        SANDBOX = "sandbox", _("Carta (sandbox)")
        TRANSFER = "bonifico", _("Bonifico bancario")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("ordine")
    )
    provider = models.CharField(_("fornitore"), max_length=20, choices=Provider)
    provider_payment_id = models.CharField(_("id del pagamento presso il fornitore"), max_length=100)
    amount = models.DecimalField(_("importo"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("valuta"), max_length=3)
    confirmed_at = models.DateTimeField(_("confermato il"), default=clock.now)
    confirmed_by = models.CharField(_("confermato da"), max_length=254)

    class Meta:
        verbose_name = _("pagamento")
        verbose_name_plural = _("pagamenti")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id"], name="payment_unique_provider_id")
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.provider_payment_id}"


def new_checkout_token() -> str:
    return secrets.token_urlsafe(24)


class SandboxCheckout(models.Model):
    """A session on the sandbox's hosted payment page, like a gateway's checkout session."""

    class Status(models.TextChoices):
        OPEN = "open", _("aperta")
        SUCCEEDED = "succeeded", _("pagata")
        FAILED = "failed", _("non riuscita")

    token = models.CharField(max_length=64, unique=True, default=new_checkout_token, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    failure_message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sessione di pagamento sandbox")
        verbose_name_plural = _("sessioni di pagamento sandbox")

    def __str__(self):
        return f"sandbox {self.order_id} {self.status}"
