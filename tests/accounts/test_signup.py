import pytest
from django.urls import reverse

from accounts.models import Customer, User
from tests import cast

pytestmark = pytest.mark.django_db


def form(**company) -> dict:
    data = {"account-email": "Nuovo@Example.com", "account-password": cast.PASSWORD}
    data |= {f"company-{key}": value for key, value in cast.company(**company).items()}
    return data


def test_it_signs_up_a_business_and_logs_it_in(client):
    response = client.post(reverse("accounts:signup"), form(company_name="Nuova S.r.l."))

    assert response.url == reverse("catalog:plans")
    customer = Customer.objects.get(user__email="nuovo@example.com")
    assert customer.company_name == "Nuova S.r.l."
    assert customer.vat_number == cast.VAT_NUMBER
    assert client.get(reverse("subscriptions:list")).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vat_number", "01234560513", "cifra di controllo"),
        ("vat_number", "0123456051", "11 cifre"),
        ("tax_code", "RSSMRA85T10A562X", "carattere di controllo"),
        ("sdi_code", "ABC", "7 caratteri"),
        ("postcode", "5210", "5 cifre"),
        ("province", "A1", "due lettere"),
    ],
)
def test_it_says_what_is_wrong_with_the_fiscal_data(client, field, value, message):
    response = client.post(reverse("accounts:signup"), form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_it_accepts_a_tax_code_without_vat_number_and_a_pec_without_sdi_code(client):
    data = form(vat_number="", tax_code="RSSMRA85T10A562S", sdi_code="", pec="rossi@pec.example.it")
    client.post(reverse("accounts:signup"), data)
    customer = Customer.objects.get()
    assert (customer.tax_code, customer.pec) == ("RSSMRA85T10A562S", "rossi@pec.example.it")


def test_it_needs_a_vat_number_or_tax_code_and_an_sdi_code_or_pec(client):
    response = client.post(reverse("accounts:signup"), form(vat_number="", tax_code="", sdi_code="", pec=""))
    page = response.content.decode()
    assert "Indica la partita IVA o il codice fiscale" in page
    assert "Indica il codice destinatario SDI o la PEC" in page


def test_an_email_already_registered_is_refused(client, rossi):
    response = client.post(reverse("accounts:signup"), form() | {"account-email": "ROSSI@example.com"})
    assert "Esiste già un account" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "accepted"),
    [("corta-123", False), ("password1234", False), ("x" * 30 + "una frase lunga davvero " * 3, True)],
)
def test_passwords_are_long_and_not_common(client, password, accepted):
    client.post(reverse("accounts:signup"), form() | {"account-password": password})
    assert User.objects.exists() is accepted


def test_a_posted_is_staff_changes_nothing(client):
    client.post(reverse("accounts:signup"), form() | {"is_staff": "on", "account-is_staff": "on"})
    assert not User.objects.get().is_staff


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("corta-123", "La password è troppo corta: servono almeno 12 caratteri."),
        ("password1234", "Questa password è tra le più usate: scegline un&#x27;altra."),
        ("123456789012345", "La password non può essere fatta di sole cifre."),
    ],
)
def test_it_says_in_italian_what_is_wrong_with_the_password(client, password, message):
    page = client.post(reverse("accounts:signup"), form() | {"account-password": password}).content.decode()
    assert message in page
