import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class PayForm(forms.Form):
    """P1. The idempotency key is made when the form is shown: submitting it twice pays once."""

    method = forms.ChoiceField(
        choices=[(Order.PaymentMethod.CARD, _("Carta di pagamento")), (Order.PaymentMethod.TRANSFER, _("Bonifico"))],
        error_messages={
            "required": _("Scegli un metodo di pagamento."),
            "invalid_choice": _("Scegli un metodo di pagamento."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.CARD_PAYMENT_PROVIDER:
            self.fields["method"].choices = [(Order.PaymentMethod.TRANSFER, _("Bonifico"))]

    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={
            "required": _("Il modulo è scaduto: riprova."),
            "invalid": _("Il modulo è scaduto: riprova."),
        },
    )
