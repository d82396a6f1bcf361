from decimal import Decimal

from django import template
from django.utils.formats import number_format

from catalog.models import GB

register = template.Library()


@register.filter
def euro(amount: Decimal) -> str:
    """12.2 -> "€ 12,20" in Italian, "€ 12.20" in English."""
    return f"€\u00a0{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}"


@register.filter
def gb(size: int) -> str:
    """Bytes as gigabytes (10^9), two decimals at most, localized."""
    value = Decimal(size) / GB
    places = 0 if value == value.to_integral_value() else 2
    return f"{number_format(value, decimal_pos=places, use_l10n=True)}\u00a0GB"


@register.filter
def percent(value: Decimal) -> str:
    return f"{number_format(value, decimal_pos=1, use_l10n=True)}%"


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def rate_percent(rate: Decimal) -> str:
    """0.22 -> "22%"."""
    return f"{number_format(rate * 100, decimal_pos=0 if rate * 100 % 1 == 0 else 2, use_l10n=True)}%"
