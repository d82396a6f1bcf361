"""No control characters in what a person types: every one-line field refuses them with a message
on the field, a text area keeps only its line breaks and tabs; accents, €, emoji and apostrophes pass."""

import html

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.forms import CustomerForm, EmailAuthenticationForm, SignupForm
from accounts.models import Customer, User
from archive.models import Deposit
from lib import text
from lib.forms import MULTILINE_MESSAGE, SINGLE_LINE_MESSAGE
from panel.forms import DepositForm, PanelLoginForm, SearchForm
from payments.forms import PayForm
from sandbox.forms import CardForm
from support.forms import AssistanceRequestForm
from support.models import AssistanceRequest
from tests import cast
from tests.archive import files
from tests.archive.conftest import _archive_in_a_temporary_folder, document_classes  # noqa: F401  (fixtures)
from tests.panel.conftest import panel, panel_url, service  # noqa: F401  (fixtures)

CONTROLS = ["\x01", "\x0b", "\x7f", "\r\n", "\n", "\t", "\x85", "\u2028", "\u202e", "\x1b[31m"]
LEGITIMATE = ["Caffè dell'Àrea S.r.l.", "L'Università di Forlì € 100", "Studio 😀 Rossi", "Müller & Söhne GmbH"]
REFUSED = html.escape(str(SINGLE_LINE_MESSAGE))


@pytest.mark.parametrize("control", CONTROLS)
def test_a_one_line_text_holds_no_control_character(control):
    assert not text.is_plain(f"Studio{control}Rossi")


@pytest.mark.parametrize("control", ["\x01", "\x0b", "\x7f", "\x1b", "\x00", "\x85"])
def test_a_text_area_keeps_its_line_breaks_and_tabs_but_no_other_control(control):
    assert text.is_plain("Buongiorno,\r\nil pannello\tnon si apre.\n", multiline=True)
    assert not text.is_plain(f"Buongiorno{control}", multiline=True)


@pytest.mark.parametrize("value", [*LEGITIMATE, "👨\u200d👩\u200d👧 famiglia", "ﬁ ligature and ½"])
def test_accents_euro_emoji_and_apostrophes_are_plain(value):
    assert text.is_plain(value) and text.is_plain(value, multiline=True)


def _text_fields(form) -> dict[str, bool]:
    """Each text field of the form (passwords aside): whether it has the rule."""
    return {
        name: any(getattr(validator, "__module__", "") == "lib.forms" for validator in field.validators)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_form",
    [
        CustomerForm,
        SignupForm,
        EmailAuthenticationForm,
        PayForm,
        DepositForm,
        SearchForm,
        CardForm,
        lambda: PanelLoginForm(None),
        lambda: AssistanceRequestForm(customer=Customer(pk=1)),
    ],
)
def test_every_text_field_of_every_customer_form_has_the_rule(make_form):
    fields = _text_fields(make_form())
    assert all(fields.values()), fields


@pytest.mark.django_db
@pytest.mark.parametrize("control", ["\x01", "\x0b", "\x7f", "\r\n"])
@pytest.mark.parametrize("field", ["company_name", "address", "city"])
def test_the_profile_refuses_a_control_character_and_changes_nothing(rossi_client, rossi, field, control):
    response = rossi_client.post(reverse("accounts:profile"), cast.company(**{field: f"Via{control}Roma 2"}))

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    rossi.refresh_from_db()
    assert getattr(rossi, field) == cast.company()[field]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LEGITIMATE)
def test_the_profile_keeps_accents_euro_emoji_and_apostrophes(rossi_client, rossi, name):
    response = rossi_client.post(reverse("accounts:profile"), cast.company(company_name=name))

    assert response.status_code == 302, response.content.decode()
    rossi.refresh_from_db()
    assert rossi.company_name == name


@pytest.mark.django_db
def test_sign_up_refuses_a_newline_in_the_company_name(client):
    data = {"account-email": "nuovo@example.com", "account-password": cast.PASSWORD}
    data |= {f"company-{key}": value for key, value in cast.company(company_name="Nuova\nS.r.l.").items()}
    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not User.objects.filter(email="nuovo@example.com").exists()
    assert not Customer.objects.filter(company_name__startswith="Nuova").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("control", ["\x01", "\x0b", "\x7f", "\r\n", "\u2028"])
def test_a_support_subject_with_a_control_character_is_refused_and_not_saved(rossi_client, mailoutbox, control):
    response = rossi_client.post(
        reverse("support:request"), {"subject": f"Aiuto{control}Bcc: x@evil.example", "message": "Ciao"}
    )

    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not AssistanceRequest.objects.exists() and not mailoutbox


@pytest.mark.django_db
def test_a_support_message_keeps_its_lines_but_not_other_controls(rossi_client, django_capture_on_commit_callbacks):
    url = reverse("support:request")
    refused = rossi_client.post(url, {"subject": "Aiuto", "message": "Riga uno\x01"})
    assert html.escape(str(MULTILINE_MESSAGE)) in refused.content.decode()
    assert not AssistanceRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        rossi_client.post(url, {"subject": "Un'altra € domanda 😀", "message": "Riga uno\r\nRiga\tdue"})
    request = AssistanceRequest.objects.get()
    assert request.subject == "Un'altra € domanda 😀" and request.message == "Riga uno\r\nRiga\tdue"


@pytest.mark.django_db
def test_the_panel_refuses_control_characters_in_typed_metadata_and_in_the_search(panel, service):  # noqa: F811
    data = {
        "document_class": "documento-generico",
        "files": SimpleUploadedFile("verbale.pdf", files.pdf("Verbale")),
        "data": "2026-03-01",
        "oggetto": "Verbale\x0bdi assemblea",
    }
    response = panel.post(panel_url("deposit", service), data)
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not Deposit.objects.exists()

    response = panel.get(panel_url("documents", service), {"keyword": "fattura\x01"})
    assert response.status_code == 200 and REFUSED in response.content.decode()
