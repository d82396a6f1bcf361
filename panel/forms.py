from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from archive.ingest.metadata import Role
from archive.ingest.names import extension
from archive.models import DocumentClass
from archive.selectors import DocumentQuery, document_class_names
from lib.forms import PlainTextMixin
from panel.services import panel_login_email


class PanelLoginForm(PlainTextMixin, forms.Form):
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


class PanelPasswordForm(PlainTextMixin, forms.Form):
    password = forms.CharField(
        label=_("Nuova password del pannello"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Almeno 12 caratteri; una frase lunga va benissimo. Chi la conosce entra solo in questo Pannello."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type="file" multiple>`; an empty file is the archive's to refuse."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # none chosen: "required", not an empty package


def _metadata_field(label, help_text="", **attrs):
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.TextInput(attrs=attrs))


class DepositForm(PlainTextMixin, forms.Form):
    """A package: its class, its files (or one ZIP), and its metadata as a sheet or, for one file, typed
    here. The archive checks the metadata themselves and says what is wrong with each file."""

    document_class = forms.ModelChoiceField(
        label=_("Classe documentale"),
        queryset=DocumentClass.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=None,
    )
    files = MultipleFileField(
        label=_("File"),
        help_text=_(
            "Uno o più file, oppure un solo ZIP. Fino a 100 file per invio: "
            "un lotto più grande va caricato come un unico ZIP."
        ),
    )
    sheet = forms.FileField(
        label=_("Foglio dei metadati (CSV o JSON, facoltativo)"),
        required=False,
        allow_empty_file=True,
        help_text=_(
            "Una riga per file: la colonna «file» col nome del file, poi i metadati. "
            "Uno ZIP può contenerlo come metadati.csv o metadati.json."
        ),
    )
    identificativo = _metadata_field(_("Identificativo (numero del documento)"))
    data = _metadata_field(_("Data del documento"), type="date")
    oggetto = _metadata_field(_("Oggetto"))
    parole_chiave = _metadata_field(_("Parole chiave"), _("Separate da virgole."))
    anno_fiscale = _metadata_field(_("Anno fiscale"), inputmode="numeric")
    ruolo = forms.ChoiceField(
        label=_("Ruolo del soggetto"),
        required=False,
        choices=[("", "—"), *[(role.lower(), label) for role, label in Role.choices]],
    )
    denominazione = _metadata_field(_("Denominazione del soggetto"))
    partita_iva = _metadata_field(_("Partita IVA del soggetto"))
    codice_fiscale = _metadata_field(_("Codice fiscale del soggetto"))

    DOCUMENT_KEYS = ["identificativo", "data", "oggetto", "parole_chiave", "anno_fiscale"]
    SUBJECT_KEYS = ["ruolo", "denominazione", "partita_iva", "codice_fiscale"]

    def clean(self):
        data = super().clean()
        uploads = data.get("files") or []
        if uploads and self.typed_metadata() and (len(uploads) > 1 or extension(uploads[0].name or "") == "zip"):
            raise forms.ValidationError(
                _("I metadati del modulo valgono per un solo file: per più file o uno ZIP usa il foglio dei metadati.")
            )
        return data

    def typed_metadata(self) -> dict[str, object]:
        data = self.cleaned_data
        fields: dict[str, object] = {key: data[key] for key in self.DOCUMENT_KEYS if data.get(key)}
        subject = {key: data[key] for key in self.SUBJECT_KEYS if data.get(key)}
        if subject:
            fields["soggetti"] = [subject]
        return fields

    def metadata(self) -> dict[str, dict[str, object]]:
        """The typed metadata, for the one file they describe."""
        fields = self.typed_metadata()
        return {self.cleaned_data["files"][0].name: fields} if fields else {}


class SearchForm(PlainTextMixin, forms.Form):
    """The archive's search, as a GET form: every field may be left empty. Its template draws the
    fields itself (panel/document_list.html), as Django's widgets would, without their templates."""

    document_class = forms.ChoiceField(
        label=_("Classe documentale"),
        required=False,
        error_messages={"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]},
    )
    date_from = forms.DateField(label=_("Dal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Al"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    subject_name = forms.CharField(label=_("Nome del soggetto"), required=False, max_length=200)
    tax_id = forms.CharField(label=_("Partita IVA o codice fiscale"), required=False, max_length=30)
    number = forms.CharField(label=_("Numero del documento"), required=False, max_length=100)
    keyword = forms.CharField(label=_("Parola chiave o oggetto"), required=False, max_length=100)
    sha256 = forms.CharField(label=_("Impronta SHA-256"), required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query for both the choices and the check of what was chosen (a class's code).
        self.fields["document_class"].choices = [("", _("Tutte")), *document_class_names().items()]

    def query(self) -> DocumentQuery:
        data = self.cleaned_data
        return DocumentQuery(
            document_class=data.get("document_class") or "",
            **{key: data.get(key) or None for key in ("date_from", "date_to")},
            **{key: data.get(key) or "" for key in ("subject_name", "tax_id", "number", "keyword", "sha256")},
        )

    def controls(self) -> list[dict[str, object]]:
        """What the template draws for each field: its id, name, label, input type (or "select"),
        maxlength, value as typed, errors, and for the class its choices."""
        controls = []
        for name, field in self.fields.items():
            bound = self[name]
            value = bound.value()
            controls.append(
                {
                    "id": bound.auto_id,
                    "name": name,
                    "label": field.label,
                    "type": "select" if name == "document_class" else field.widget.input_type,
                    "maxlength": getattr(field, "max_length", None),
                    "value": "" if value is None else str(value),
                    "errors": bound.errors,
                    "choices": field.choices if name == "document_class" else (),
                }
            )
        return controls
