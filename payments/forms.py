from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lib.forms import PlainTextMixin
from lib.page_cache import fresh_uuid
from orders.models import Order


class PayForm(PlainTextMixin, forms.Form):
    """P1. The idempotency key is made when the form is shown: submitting it twice pays once."""

    SAVED_CARD = "CARTA_SALVATA"

    method = forms.ChoiceField(
        error_messages={
            "required": _("Scegli un metodo di pagamento."),
            "invalid_choice": _("Scegli un metodo di pagamento."),
        },
    )

    def __init__(self, *args, saved_card=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_card = saved_card if saved_card and saved_card.provider in settings.PAYMENT_PROVIDERS else None
        choices = [(self.SAVED_CARD, _("Carta salvata"))] if self.saved_card else []
        if settings.CARD_PAYMENT_PROVIDER:
            choices.append((Order.PaymentMethod.CARD, _("Carta di pagamento")))
        self.fields["method"].choices = [*choices, (Order.PaymentMethod.TRANSFER, _("Bonifico"))]

    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        initial=fresh_uuid,  # a new key for each time the page is shown, kept or not (lib.page_cache)
        error_messages={
            "required": _("Il modulo è scaduto: riprova."),
            "invalid": _("Il modulo è scaduto: riprova."),
        },
    )
