import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from lib import clock
from lib.forms import PlainTextMixin


class CardForm(PlainTextMixin, forms.Form):
    holder = forms.CharField(label=_("Intestatario"), max_length=100)
    number = forms.CharField(
        label=_("Numero della carta"),
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label=_("Scadenza (MM/AA)"), max_length=5, widget=forms.TextInput(attrs={"autocomplete": "cc-exp"})
    )
    cvc = forms.CharField(
        label=_("CVC"), max_length=4, widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"})
    )

    save_card = forms.BooleanField(
        label=_("Salva la carta per i rinnovi automatici"),
        required=False,
        help_text=_("Conserva riceve dal gestore solo un riferimento alla carta, mai il numero."),
    )

    def clean_number(self):
        number = "".join(self.cleaned_data["number"].split()).replace("-", "")
        if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn.is_valid(number):
            raise forms.ValidationError(_("Il numero della carta non è valido."))
        return number

    def clean_expiry(self):
        value = self.cleaned_data["expiry"].strip()
        try:
            month, year = (int(part) for part in value.split("/"))
            first_day_after = datetime.date(2000 + year + month // 12, month % 12 + 1, 1)
        except ValueError:
            raise forms.ValidationError(_("Scrivi la scadenza come MM/AA, ad esempio 12/30.")) from None
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("Scrivi la scadenza come MM/AA, ad esempio 12/30."))
        if first_day_after <= clock.today():
            raise forms.ValidationError(_("La carta è scaduta."))
        return value

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError(_("Il CVC ha 3 o 4 cifre."))
        return cvc
