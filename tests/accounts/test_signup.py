import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Customer, User
from tests import cast

pytestmark = pytest.mark.django_db


def form(**company) -> dict:
    data = {"account-email": "Nuovo@Example.com", "account-password": cast.PASSWORD}
    data |= {f"company-{key}": value for key, value in cast.company(**company).items()}
    return data


def without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_it_signs_up_a_business_and_asks_to_confirm_the_address(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), form(company_name="Nuova S.r.l."))

    assert response.url == reverse("accounts:signup_done")
    page = client.get(response.url).content.decode()
    assert "Ti abbiamo scritto a <strong>nuovo@example.com</strong>" in page
    customer = Customer.objects.get(user__email="nuovo@example.com")
    assert customer.company_name == "Nuova S.r.l."
    assert customer.vat_number == cast.VAT_NUMBER
    assert not customer.user.is_email_verified
    (mail,) = mailoutbox
    assert mail.to == ["nuovo@example.com"] and mail.subject == "Conferma il tuo indirizzo email"
    assert "/account/email/conferma/" in mail.body
    # Not signed in by the sign-up: a known address could not be, and the two must look alike.
    assert client.get(reverse("subscriptions:list")).url.startswith(reverse("accounts:login"))


def test_a_known_address_gets_the_same_answer_and_its_owner_a_mail(
    client, rossi, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:signup"), form() | {"account-email": "ROSSI@example.com"})
    known_page = client.get(known.url).content.decode()
    client.cookies.clear()
    new = client.post(reverse("accounts:signup"), form() | {"account-email": "nuovo@example.com"})
    new_page = client.get(new.url).content.decode()

    assert known.url == new.url == reverse("accounts:signup_done")
    assert without_csrf_token(known_page).replace("rossi@example.com", "nuovo@example.com") == without_csrf_token(
        new_page
    )
    assert "Esiste già" not in known_page
    assert User.objects.filter(email__iexact="rossi@example.com").count() == 1
    rossi.user.refresh_from_db()
    assert rossi.user.check_password(cast.PASSWORD)  # the visitor's password changed nothing
    notice = next(mail for mail in mailoutbox if mail.to == ["rossi@example.com"])
    assert notice.subject == "Qualcuno ha provato a registrarsi con il tuo indirizzo"
    assert "/account/accedi/" in notice.body and "/account/password/recupero/" in notice.body
    assert "Gentile Studio Rossi S.r.l.," in notice.body


def test_the_owner_of_a_known_address_gets_one_notice_every_few_minutes(
    client, rossi, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(3):
            client.post(reverse("accounts:signup"), form() | {"account-email": "rossi@example.com"})
    assert len(mailoutbox) == 1


def test_a_double_click_gets_the_same_page(client, rossi, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    # The other click's account appears between the check and the insert: the insert fails.
    monkeypatch.setattr(services, "_has_account", lambda email: False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), form() | {"account-email": "rossi@example.com"})

    assert response.url == reverse("accounts:signup_done")
    assert User.objects.filter(email="rossi@example.com").count() == 1
    assert [mail.subject for mail in mailoutbox] == ["Qualcuno ha provato a registrarsi con il tuo indirizzo"]


@pytest.mark.parametrize("email", ["rossi@example.com", "nuovo@example.com"])
def test_a_known_and_a_new_address_cost_the_same_hashing(client, rossi, monkeypatch, email):
    hashed = []
    monkeypatch.setattr("django.contrib.auth.base_user.make_password", lambda *args: hashed.append(args) or "x")
    monkeypatch.setattr(services, "make_password", lambda *args: hashed.append(args) or "x")
    client.post(reverse("accounts:signup"), form() | {"account-email": email})
    assert [args[0] for args in hashed] == [cast.PASSWORD]


def test_the_check_your_mail_page_needs_a_sign_up_first(client):
    assert client.get(reverse("accounts:signup_done")).url == reverse("accounts:signup")


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
