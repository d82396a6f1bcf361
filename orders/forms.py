from django import forms
from django.utils.translation import gettext_lazy as _

IDEMPOTENCY_KEY = "idempotency_key"


class OrderRequestForm(forms.Form):
    """What every order form posts besides its choices: the key made when it was shown
    (orders_tags.idempotency_key_field), so that submitting it again places no second order."""

    idempotency_key = forms.UUIDField(
        error_messages={
            "required": _("Il modulo è scaduto: ricarica la pagina e riprova."),
            "invalid": _("Il modulo è scaduto: ricarica la pagina e riprova."),
        },
    )

    def key(self) -> str:
        return self.cleaned_data[IDEMPOTENCY_KEY].hex

    def error(self) -> str:
        return str(self.errors[IDEMPOTENCY_KEY][0])
