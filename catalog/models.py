from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

GB = 10**9


class Plan(models.Model):
    """A preservation plan in the catalogue: storage, term and price net of VAT."""

    code = models.SlugField(_("codice"), unique=True)
    name = models.CharField(_("nome"), max_length=100)
    description = models.CharField(_("descrizione"), max_length=300, blank=True)
    storage_gb = models.PositiveIntegerField(_("spazio (GB)"), validators=[MinValueValidator(1)])
    term_months = models.PositiveSmallIntegerField(_("durata (mesi)"), default=12, validators=[MinValueValidator(1)])
    price_net = models.DecimalField(
        _("prezzo IVA esclusa (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    is_active = models.BooleanField(_("in vendita"), default=True)
    position = models.PositiveSmallIntegerField(_("ordine in elenco"), default=0)

    class Meta:
        verbose_name = _("piano")
        verbose_name_plural = _("piani")
        ordering = ["position", "price_net"]

    def __str__(self) -> str:
        return self.name

    @property
    def quota_bytes(self) -> int:
        return self.storage_gb * GB


class SpaceStep(models.Model):
    """Extra storage a customer can add to a service; the yearly price is pro-rated to the term left."""

    size_gb = models.PositiveIntegerField(_("spazio aggiuntivo (GB)"), unique=True, validators=[MinValueValidator(1)])
    yearly_price_net = models.DecimalField(
        _("prezzo annuo IVA esclusa (EUR)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_active = models.BooleanField(_("in vendita"), default=True)

    class Meta:
        verbose_name = _("pacchetto di spazio")
        verbose_name_plural = _("pacchetti di spazio")
        ordering = ["size_gb"]

    def __str__(self) -> str:
        return f"+{self.size_gb} GB"

    @property
    def extra_bytes(self) -> int:
        return self.size_gb * GB
