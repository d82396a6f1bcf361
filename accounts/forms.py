from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import fiscal
from accounts.models import Customer, User
from accounts.throttle import login_email
from lib.forms import PlainTextMixin

Kind = Customer.Kind
TOO_LONG = _("Al massimo %(limit_value)d caratteri: è il limite della fattura elettronica (qui sono %(show_value)d).")


def _limit_length(field: forms.Field, limit: int) -> None:
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit, message=TOO_LONG))
    field.widget.attrs["maxlength"] = str(limit)


class CustomerForm(PlainTextMixin, forms.ModelForm):
    """The fiscal data an invoice needs, refused here when they could not make a valid FatturaPA;
    used at sign-up, on the profile page and in the admin.

    Fields are cleaned in the order below: kind and country first, so that the identifiers after
    them are checked by their rules."""

    class Meta:
        model = Customer
        fields = [
            "kind",
            "country",
            "company_name",
            "first_name",
            "last_name",
            "vat_number",
            "tax_code",
            "address",
            "postcode",
            "city",
            "province",
            "sdi_code",
            "pec",
            "cig",
            "cup",
            "language",
        ]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "country": _("Codice ISO di due lettere: IT per l'Italia, DE, FR, CH…"),
            "company_name": _("Per le aziende e le pubbliche amministrazioni."),
            "first_name": _("Per i privati."),
            "vat_number": _("Senza il prefisso del paese (11 cifre in Italia)."),
            "tax_code": _("Se diverso dalla partita IVA, o se non hai partita IVA; per i clienti in Italia."),
            "sdi_code": _(
                "Il codice a 7 caratteri per ricevere le fatture elettroniche, oppure indica la PEC. "
                "Per la pubblica amministrazione: il codice univoco ufficio a 6 caratteri."
            ),
            "cig": _("Solo pubblica amministrazione, se previsto: va in fattura."),
            "cup": _("Solo pubblica amministrazione, se previsto: va in fattura."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without them (an older page) is an Italian business's.
        self.fields["kind"].required = False
        self.fields["country"].required = False
        self.fields["company_name"].required = False  # a person's is made of the names
        self.fields["postcode"].label = _("CAP / codice postale")
        for name, limit in [
            ("company_name", fiscal.NAME_MAX),
            ("first_name", fiscal.PERSON_NAME_MAX),
            ("last_name", fiscal.PERSON_NAME_MAX),
            ("address", fiscal.ADDRESS_MAX),
            ("city", fiscal.CITY_MAX),
        ]:
            _limit_length(self.fields[name], limit)

    def _kind(self) -> str:
        return self.cleaned_data.get("kind") or Kind.BUSINESS

    def _country(self) -> str | None:
        """None when the country typed is not valid: what depends on it is not checked yet."""
        return self.cleaned_data.get("country")

    def clean_kind(self):
        return self.cleaned_data["kind"] or Kind.BUSINESS

    def clean_country(self):
        return fiscal.clean_country(self.cleaned_data["country"] or "IT")

    def clean_vat_number(self):
        value, country = self.cleaned_data["vat_number"], self._country()
        if country == "IT":
            return fiscal.clean_vat_number(value)
        if country in fiscal.EU_MEMBER_STATES:
            return fiscal.clean_eu_vat_number(value, country)
        return fiscal.clean_foreign_tax_id(value)

    def clean_tax_code(self):
        if self._country() != "IT":
            return ""  # an Italian code only: FatturaPA identifies a foreign customer by its VAT number
        value = self.cleaned_data["tax_code"]
        if self._kind() == Kind.PERSON:
            return fiscal.clean_personal_tax_code(value)
        if self._kind() == Kind.PUBLIC_ADMINISTRATION:
            return fiscal.clean_numeric_tax_code(value)
        return fiscal.clean_tax_code(value)

    def clean_postcode(self):
        if self._country() == "IT":
            return fiscal.clean_postcode(self.cleaned_data["postcode"])
        return fiscal.clean_foreign_postcode(self.cleaned_data["postcode"])

    def clean_province(self):
        if self._country() != "IT":
            return ""
        return fiscal.clean_province(self.cleaned_data["province"])

    def clean_sdi_code(self):
        value = self.cleaned_data["sdi_code"]
        if self._country() != "IT":
            return ""  # abroad the invoice says XXXXXXX and goes to the customer by other ways
        if self._kind() == Kind.PUBLIC_ADMINISTRATION:
            return fiscal.clean_office_code(value)
        return fiscal.clean_sdi_code(value)

    def clean_cig(self):
        return fiscal.clean_cig(self.cleaned_data["cig"])

    def clean_cup(self):
        return fiscal.clean_cup(self.cleaned_data["cup"])

    def clean(self):
        data = super().clean()
        kind, country = self._kind(), self._country()
        if kind != Kind.BUSINESS and country and country != "IT":
            self.add_error("country", _("Privati e pubbliche amministrazioni si servono solo in Italia."))
        if kind == Kind.PERSON:
            self._clean_person(data)
        elif not data.get("company_name") and not self.has_error("company_name"):
            self.add_error("company_name", _("Indica la ragione sociale."))
        if kind != Kind.PUBLIC_ADMINISTRATION and (data.get("cig") or data.get("cup")):
            self.add_error("cig", _("CIG e CUP valgono solo per la pubblica amministrazione."))
        if country == "IT":
            self._clean_italian(data, kind)
        elif country and not data.get("vat_number") and not self.has_error("vat_number"):
            self.add_error("vat_number", _("Indica il numero di partita IVA o il codice fiscale del tuo paese."))
        return data

    def _clean_person(self, data) -> None:
        for field in ("first_name", "last_name"):
            if not data.get(field) and not self.has_error(field):
                self.add_error(field, _("Per un privato servono nome e cognome."))
        if data.get("vat_number") and not self.has_error("vat_number"):
            self.add_error("vat_number", _("Chi ha partita IVA si registra come «Azienda o professionista»."))
        data["company_name"] = f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()

    def _clean_italian(self, data, kind: str) -> None:
        if kind == Kind.PERSON:
            if not data.get("tax_code") and not self.has_error("tax_code"):
                self.add_error("tax_code", _("Indica il codice fiscale."))
            return
        if kind == Kind.PUBLIC_ADMINISTRATION and not data.get("tax_code") and not self.has_error("tax_code"):
            self.add_error("tax_code", _("Indica il codice fiscale dell'ente."))
        if not data.get("vat_number") and not data.get("tax_code") and not self.has_error("vat_number"):
            self.add_error("vat_number", _("Indica la partita IVA o il codice fiscale."))
        if not data.get("sdi_code") and not data.get("pec") and not self.has_error("sdi_code"):
            self.add_error("sdi_code", _("Indica il codice destinatario SDI o la PEC per ricevere le fatture."))


class SignupForm(PlainTextMixin, forms.Form):
    """The account's half of the sign-up. It never says whether the email has an account: the
    view answers the same either way (accounts.services.customer_sign_up_request)."""

    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Almeno 12 caratteri; una frase lunga va benissimo."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean(self):
        data = super().clean()
        if data.get("password"):
            user = User(email=data.get("email", ""))
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class EmailAuthenticationForm(PlainTextMixin, AuthenticationForm):
    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    # Django's says both fields may be case-sensitive: the email is not, here.
    error_messages = AuthenticationForm.error_messages | {
        "invalid_login": _(
            "Inserisci email e password corretti: nella password maiuscole e minuscole contano. "
            "Se ti sei appena registrato, conferma prima l'indirizzo con il link che ti abbiamo scritto."
        ),
    }

    def clean_username(self):
        return login_email(self.cleaned_data["username"])  # as sign-up stores it, and as axes counts it
