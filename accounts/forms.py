from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts import fiscal
from accounts.models import Customer, User


class CustomerForm(forms.ModelForm):
    """The fiscal data an Italian invoice needs; used at sign-up and on the profile page."""

    class Meta:
        model = Customer
        fields = [
            "company_name",
            "vat_number",
            "tax_code",
            "address",
            "postcode",
            "city",
            "province",
            "sdi_code",
            "pec",
            "language",
        ]
        help_texts = {
            "vat_number": _("11 cifre, senza il prefisso IT."),
            "tax_code": _("Se diverso dalla partita IVA, o se non hai partita IVA."),
            "sdi_code": _("Il codice a 7 caratteri per ricevere le fatture elettroniche. Oppure indica la PEC."),
        }

    def clean_vat_number(self):
        return fiscal.clean_vat_number(self.cleaned_data["vat_number"])

    def clean_tax_code(self):
        return fiscal.clean_tax_code(self.cleaned_data["tax_code"])

    def clean_sdi_code(self):
        return fiscal.clean_sdi_code(self.cleaned_data["sdi_code"])

    def clean_postcode(self):
        return fiscal.clean_postcode(self.cleaned_data["postcode"])

    def clean_province(self):
        return fiscal.clean_province(self.cleaned_data["province"])

    def clean(self):
        data = super().clean()
        if not data.get("vat_number") and not data.get("tax_code") and not self.has_error("vat_number"):
            self.add_error("vat_number", _("Indica la partita IVA o il codice fiscale."))
        if not data.get("sdi_code") and not data.get("pec") and not self.has_error("sdi_code"):
            self.add_error("sdi_code", _("Indica il codice destinatario SDI o la PEC per ricevere le fatture."))
        return data


class SignupForm(forms.Form):
    ALREADY_REGISTERED = _("Esiste già un account con questa email: accedi o recupera la password.")

    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Almeno 12 caratteri; una frase lunga va benissimo."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(self.ALREADY_REGISTERED)
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            user = User(email=data.get("email", ""))
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
