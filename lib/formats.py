"""How amounts read on a page, in the active language."""

from decimal import Decimal

from django.utils.formats import number_format


def euro(amount: Decimal) -> str:
    """12.2 -> "€ 12,20" in Italian, "€ 12.20" in English."""
    return f"€\u00a0{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}"
