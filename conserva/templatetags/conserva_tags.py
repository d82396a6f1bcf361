import weakref
from decimal import Decimal

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.formats import number_format

from catalog.models import GB
from lib.formats import euro
from lib.urls import link

register = template.Library()


register.filter("euro", euro)


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


FIXED_NODES: "weakref.WeakSet[FixedNode]" = weakref.WeakSet()


class FixedNode(template.Node):
    """What `{% fixed %}` wraps, rendered once per language in each process and kept with the
    compiled template (the cached loader keeps both; in development both are remade each time)."""

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[str, str] = {}
        FIXED_NODES.add(self)

    def render(self, context: template.Context) -> str:
        language = translation.get_language()
        if (found := self.rendered.get(language)) is None:
            found = self.rendered.setdefault(language, self.nodelist.render(context))
        return found


@register.tag
def fixed(parser: template.base.Parser, token: template.base.Token) -> FixedNode:
    """{% fixed %}…{% endfixed %}: a part of a page that no request, user or data changes, only
    the language (the layout's links and labels, the footer): rendered once instead of on every
    request. Nothing inside may read the request, the user, a form or a CSRF token."""
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    return FixedNode(nodelist)


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    # A test's override_settings (contacts, static files) must not meet what the settings before it rendered.
    for node in list(FIXED_NODES):
        node.rendered.clear()


@register.simple_tag(name="link")
def link_tag(viewname: str, *values: object) -> str:
    """{% link 'orders:detail' order.number %}: {% url %} for the rows of a table (lib.urls.link)."""
    return link(viewname, *values)
