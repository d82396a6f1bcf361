"""How VAT applies to a customer: the one rule that prices orders and writes invoices.

It lives here, below orders and billing, because both need it: an order is priced with the rate,
its invoice says why no Italian VAT is charged (Natura and the legal note) or that the public
administration pays it to the State itself (split payment).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.fiscal import EU_MEMBER_STATES
from accounts.models import Customer
from lib.money import Amounts

ZERO = Decimal("0.00")
# Services to a business abroad are outside the scope of Italian VAT (DPR 633/72, art. 7-ter).
OUTSIDE_SCOPE = "N2.1"


@dataclass(frozen=True)
class VatTreatment:
    rate: Decimal
    natura: str = ""  # FatturaPA's Natura, given when no VAT is charged (rate 0)
    note: str = ""  # the legal note the invoice carries (RiferimentoNormativo), in Italian
    split_payment: bool = False  # the customer pays the VAT to the State (EsigibilitaIVA S)


def vat_treatment(customer: Customer) -> VatTreatment:
    """The VAT of what `customer` buys, as of now. Call it inside translation.override("it") for
    the note as invoices carry it."""
    if customer.country != "IT":
        return _abroad(customer.country)
    rate = Decimal(settings.VAT_RATE)
    if rate == 0:
        issuer = settings.INVOICE_ISSUER
        return VatTreatment(rate=ZERO, natura=issuer["zero_vat_natura"], note=issuer["zero_vat_note"])
    if customer.is_public_administration:
        return VatTreatment(
            rate=rate,
            split_payment=True,
            note=_("Scissione dei pagamenti ai sensi dell'art. 17-ter del DPR 633/72"),
        )
    return VatTreatment(rate=rate)


def amounts_for(customer: Customer, net: Decimal) -> Amounts:
    """What `customer` pays for a price net of VAT: the plans, the renewal and the space pages show
    it, and the order charges it."""
    return Amounts.from_net(net, vat_treatment(customer).rate)


def _abroad(country: str) -> VatTreatment:
    if country in EU_MEMBER_STATES:
        note = _("Operazione non soggetta ad IVA ai sensi dell'art. 7-ter del DPR 633/72 – inversione contabile")
    else:
        note = _("Operazione non soggetta ad IVA ai sensi dell'art. 7-ter del DPR 633/72")
    return VatTreatment(rate=ZERO, natura=OUTSIDE_SCOPE, note=note)
