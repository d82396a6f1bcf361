from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from panel.services import panel_login_email


class PanelLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username del pannello"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password del pannello"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user = authenticate(self.request, username=panel_login_email(data["username"]), password=data["password"])
        if user is None or not hasattr(user, "panel_account"):
            raise forms.ValidationError(_("Username o password del pannello non corretti."))
        self.user = user
        return data


class PanelPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Nuova password del pannello"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Almeno 12 caratteri; una frase lunga va benissimo. Chi la conosce entra solo in questo Pannello."),
    )
