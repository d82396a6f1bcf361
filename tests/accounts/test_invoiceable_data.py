"""What could not make a valid FatturaPA is refused where it is typed: at sign-up, on the profile
page and in the admin's customer form, by the same rules."""

import pytest
from django.urls import reverse

from accounts.forms import CustomerForm
from accounts.models import Customer
from tests import cast

pytestmark = pytest.mark.django_db


def form(**changes) -> CustomerForm:
    return CustomerForm(cast.company(**changes))


def errors(**changes) -> dict:
    return form(**changes).errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"company_name": "S" * 81}, "company_name", "Al massimo 80 caratteri"),
        ({"address": "V" * 61}, "address", "Al massimo 60 caratteri"),
        ({"city": "C" * 61}, "city", "Al massimo 60 caratteri"),
        ({"postcode": "5210"}, "postcode", "5 cifre"),
        ({"province": "A1"}, "province", "due lettere"),
        ({"sdi_code": "ABC12"}, "sdi_code", "7 caratteri"),
        ({"kind": "PA", "sdi_code": "ABC1234"}, "sdi_code", "6 caratteri"),
        ({"vat_number": "01234560513"}, "vat_number", "cifra di controllo"),
        ({"vat_number": "", "tax_code": "abc"}, "tax_code", "16 caratteri"),
        ({"country": "DE", "vat_number": "136695975"}, "vat_number", "non è valido per DE"),
        ({"country": "D1"}, "country", "codice ISO"),
        ({"cig": "Z1A2B3C4D5"}, "cig", "solo per la pubblica amministrazione"),
        ({"kind": "PA", "tax_code": "", "sdi_code": "UFABCD"}, "tax_code", "codice fiscale dell'ente"),
        ({"kind": "PA", "cup": "J91H1200001000"}, "cup", "15 caratteri"),
        ({"kind": "PRIVATO", "vat_number": "", "tax_code": cast.VAT_NUMBER}, "tax_code", "16 caratteri"),
        ({"kind": "PRIVATO", "vat_number": "", "tax_code": "RSSMRA85T10A562S"}, "first_name", "nome e cognome"),
        ({"kind": "PRIVATO", "country": "FR", "first_name": "A", "last_name": "B"}, "country", "solo in Italia"),
    ],
)
def test_it_refuses_what_sdi_would_refuse(changes, field, message):
    assert message in " ".join(errors(**changes)[field])


def test_seven_zeros_mean_no_code_so_a_pec_is_needed():
    assert "Indica il codice destinatario SDI o la PEC" in " ".join(errors(sdi_code="0000000")["sdi_code"])
    accepted = form(sdi_code="0000000", pec="studio@pec.example.it")
    assert accepted.is_valid() and accepted.cleaned_data["sdi_code"] == ""


def test_an_eu_business_gives_its_vat_number_and_no_italian_codes():
    accepted = form(
        country="de",
        vat_number="DE 136 695 976",
        postcode="10117",
        province="",
        sdi_code="",
        city="Berlin",
    )
    assert accepted.is_valid(), accepted.errors
    data = accepted.cleaned_data
    assert (data["country"], data["vat_number"], data["province"], data["sdi_code"]) == ("DE", "136695976", "", "")


def test_a_business_outside_the_eu_gives_any_tax_identifier():
    accepted = form(country="CH", vat_number="CHE-116.281.710", postcode="8001", city="Zürich", sdi_code="")
    assert accepted.is_valid(), accepted.errors
    assert accepted.cleaned_data["vat_number"] == "CHE116281710"
    assert "partita IVA o il codice fiscale del tuo paese" in " ".join(
        errors(country="US", vat_number="", postcode="10001")["vat_number"]
    )


def test_a_private_person_is_named_by_first_and_last_name(client):
    data = {"account-email": "mario@example.it", "account-password": cast.PASSWORD}
    company = cast.company(
        kind="PRIVATO", first_name="Mario", last_name="Rossi", vat_number="", tax_code="RSSMRA85T10A562S", sdi_code=""
    )
    client.post(reverse("accounts:signup"), data | {f"company-{key}": value for key, value in company.items()})
    cast.confirm_sign_up(data["account-email"].lower())

    customer = Customer.objects.get()
    assert (customer.kind, customer.company_name, customer.first_name, customer.last_name) == (
        "PRIVATO",
        "Mario Rossi",
        "Mario",
        "Rossi",
    )


def test_a_public_administration_gives_its_office_code_cig_and_cup():
    accepted = form(
        kind="PA",
        company_name="Comune di Arezzo",
        vat_number="",
        tax_code="00176820512",
        sdi_code="ufabcd",
        cig="z1a2b3c4d5",
        cup="J91H12000010001",
    )
    assert accepted.is_valid(), accepted.errors
    assert (accepted.cleaned_data["sdi_code"], accepted.cleaned_data["cig"]) == ("UFABCD", "Z1A2B3C4D5")


def test_the_admins_customer_form_checks_the_same(admin_client, rossi):
    url = reverse("admin:accounts_customer_change", args=[rossi.pk])
    data = {"user": rossi.user.pk} | cast.company(vat_number="12345678901", tax_code="abc", postcode="5210")
    page = admin_client.post(url, data).content.decode()

    assert "partita IVA non è valida" in page and "5 cifre" in page and "16 caratteri" in page
    rossi.refresh_from_db()
    assert (rossi.vat_number, rossi.postcode) == (cast.VAT_NUMBER, "52100")
    admin_client.post(url, {"user": rossi.user.pk} | cast.company(city="Siena", province="si"))
    rossi.refresh_from_db()
    assert (rossi.city, rossi.province) == ("Siena", "SI")
