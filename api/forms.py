import datetime
import urllib.parse

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.webhooks import UnsafeAddress, refuse_unsafe_host
from lib.forms import PlainTextMixin


class ApiKeyForm(PlainTextMixin, forms.Form):
    name = forms.CharField(
        label=_("Nome"), max_length=100, help_text=_("Per riconoscerla: il programma che la usa, per esempio «ERP».")
    )
    may_deposit = forms.BooleanField(label=_("Può versare documenti"), required=False)
    may_read = forms.BooleanField(label=_("Può cercare e scaricare documenti"), required=False, initial=True)
    expires_on = forms.DateField(
        label=_("Scade il (facoltativo)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("may_deposit") or cleaned.get("may_read")):
            raise forms.ValidationError(_("Scegli almeno un permesso: versare o leggere."))
        return cleaned

    def expires_at(self) -> datetime.datetime | None:
        """The end of the chosen day, in the provider's time zone."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


class WebhookForm(PlainTextMixin, forms.Form):
    url = forms.URLField(
        label=_("Indirizzo del webhook"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Vi mandiamo l'esito di ogni versamento fatto con l'API, firmato. Solo https."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" and not settings.API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            raise forms.ValidationError(_("L'indirizzo deve cominciare con https://."))
        try:
            refuse_unsafe_host(parts.hostname or "", parts.port or 443)
        except (OSError, UnicodeError):
            raise forms.ValidationError(_("Non troviamo questo indirizzo: controlla il nome del server.")) from None
        except UnsafeAddress:
            raise forms.ValidationError(
                _("L'indirizzo porta a una rete privata: serve un indirizzo pubblico.")
            ) from None
        return url
