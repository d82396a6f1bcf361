import uuid

from django import template
from django.utils.html import format_html

from orders.forms import IDEMPOTENCY_KEY

register = template.Library()


@register.simple_tag
def idempotency_key_field() -> str:
    """A new key for an order form, made when the page is shown: the same form submitted twice
    (five quick clicks) places one order (orders.services)."""
    return format_html('<input type="hidden" name="{}" value="{}">', IDEMPOTENCY_KEY, uuid.uuid4().hex)
