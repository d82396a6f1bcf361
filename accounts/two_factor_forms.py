from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.two_factor import normalise_code
from lib.forms import PlainTextMixin

# Digits from the app (6) or a recovery code (8 letters and digits); spaces and dashes are ignored.
_code_shape = RegexValidator(r"^[0-9A-Za-z \-]{6,20}$", _("Il codice non è valido: controlla di averlo copiato bene."))


class CodeForm(PlainTextMixin, forms.Form):
    """A code of the authenticator app."""

    code = forms.CharField(
        label=_("Codice dell'app"),
        max_length=20,
        validators=[_code_shape],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])


class SecondStepForm(CodeForm):
    """The second step of the sign-in: a code of the app or a recovery code."""

    code = forms.CharField(
        label=_("Codice dell'app o codice di recupero"),
        max_length=20,
        validators=[_code_shape],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class TurnOffForm(PlainTextMixin, forms.Form):
    """Turning two factors off asks the password or a current code of the app."""

    password = forms.CharField(label=_("Password"), required=False, strip=False, widget=forms.PasswordInput)
    code = forms.CharField(
        label=_("oppure un codice dell'app"),
        required=False,
        max_length=20,
        validators=[_code_shape],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if not self.errors and not data.get("password") and not data.get("code"):
            raise forms.ValidationError(_("Scrivi la password o un codice dell'app."))
        return data
