import datetime
import re

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Customer, PendingSignUp, User
from audit.models import AuditEntry
from lib import clock
from tests import cast, threads

pytestmark = pytest.mark.django_db


def form(**company) -> dict:
    data = {"account-email": "Nuovo@Example.com", "account-password": cast.PASSWORD}
    data |= {f"company-{key}": value for key, value in cast.company(**company).items()}
    return data


def without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/account/registrati/conferma/[^\s]+/)", mail.body).group(1)


CONFIRM = {"password": cast.PASSWORD}  # the password chosen at sign-up, asked again with the button


def sign_up(client, capture, **data) -> object:
    with capture(execute=True):
        return client.post(reverse("accounts:signup"), form() | data)


def test_it_keeps_the_sign_up_and_mails_the_link_that_makes_the_account(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Nuova S.r.l."})

    assert response.url == reverse("accounts:signup_done")
    page = client.get(response.url).content.decode()
    assert "Ti abbiamo scritto a <strong>nuovo@example.com</strong>" in page
    assert "L'account esiste solo dopo la conferma" in page
    assert not User.objects.exists() and not Customer.objects.exists()  # nothing to sign in to yet
    pending = PendingSignUp.objects.get()
    assert pending.email == "nuovo@example.com" and check_password(cast.PASSWORD, pending.password)
    assert pending.company["company_name"] == "Nuova S.r.l." and pending.company["vat_number"] == cast.VAT_NUMBER
    (mail,) = mailoutbox
    assert mail.to == ["nuovo@example.com"] and mail.subject == "Conferma la tua registrazione"
    assert "Gentile Nuova S.r.l.," in mail.body
    token = link_in(mail).rstrip("/").rsplit("/", 1)[1]
    assert pending.token_hash and token not in pending.token_hash  # kept only as its hash
    assert client.get(reverse("subscriptions:list")).url.startswith(reverse("accounts:login"))


def test_the_link_shows_a_button_that_makes_the_account_and_signs_it_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Nuova S.r.l."})
    link = link_in(mailoutbox[0])

    page = client.get(link).content.decode()
    assert "Confermi di creare l'account di <strong>Nuova S.r.l.</strong>" in page
    assert "<strong>nuovo@example.com</strong>" in page
    assert not User.objects.exists()  # opening the link (a mail scanner does) changes nothing

    response = client.post(link, CONFIRM, follow=True)

    assert response.redirect_chain == [(reverse("catalog:plans"), 302)]
    assert "Account creato e indirizzo confermato" in response.content.decode()
    customer = Customer.objects.get(user__email="nuovo@example.com")
    assert customer.company_name == "Nuova S.r.l." and customer.vat_number == cast.VAT_NUMBER
    assert customer.user.is_email_verified and customer.user.check_password(cast.PASSWORD)
    assert response.context["user"] == customer.user  # signed in
    assert not PendingSignUp.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditEntry.Action.CUSTOMER_SIGNED_UP, AuditEntry.Action.EMAIL_VERIFIED} <= actions
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"username": "nuovo@example.com", "password": cast.PASSWORD})
    assert signed_in.status_code == 302


def test_a_link_pressed_twice_makes_one_account(client, mailoutbox, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    client.post(link, CONFIRM)
    client.logout()
    again = client.post(link, CONFIRM)
    assert again.status_code == 400 and "Il link non è valido" in again.content.decode()
    assert User.objects.count() == 1 and Customer.objects.count() == 1


def test_a_known_address_gets_the_same_answer_and_its_owner_a_mail(
    client, rossi, mailoutbox, django_capture_on_commit_callbacks
):
    known = sign_up(client, django_capture_on_commit_callbacks, **{"account-email": "ROSSI@example.com"})
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
    assert not PendingSignUp.objects.filter(email="rossi@example.com").exists()
    rossi.user.refresh_from_db()
    assert rossi.user.check_password(cast.PASSWORD)  # the visitor's password changed nothing
    notice = next(mail for mail in mailoutbox if mail.to == ["rossi@example.com"])
    assert notice.subject == "Qualcuno ha provato a registrarsi con il tuo indirizzo"
    assert "/account/accedi/" in notice.body and "/account/password/recupero/" in notice.body
    assert "Gentile Studio Rossi S.r.l.," in notice.body


def test_signing_in_after_signing_up_fails_alike_for_a_known_and_a_new_address(
    rossi, mailoutbox, django_capture_on_commit_callbacks
):
    """The reviewer's probe: sign up with an address, then sign in with the password just chosen."""
    chosen = "Una-password-scelta-ora-42"
    answers = []
    for email in ["rossi@example.com", "nuovo@example.com"]:
        visitor = Client()
        sign_up(visitor, django_capture_on_commit_callbacks, **{"account-email": email, "account-password": chosen})
        visitor.cookies.clear()
        response = visitor.post(
            reverse("accounts:login"), {"username": email, "password": chosen}, REMOTE_ADDR="10.9.9.9"
        )
        page = without_csrf_token(response.content.decode()).replace(email, "EMAIL")
        answers.append((response.status_code, page))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200  # the login form again, with its error: nobody signed in


def test_the_owner_of_a_known_address_gets_one_notice_every_few_minutes(
    client, rossi, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(3):
            client.post(reverse("accounts:signup"), form() | {"account-email": "rossi@example.com"})
    assert len(mailoutbox) == 1


def test_a_link_for_an_address_that_got_an_account_meanwhile_says_to_sign_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    cast.customer("nuovo@example.com", "Chi prima arriva S.r.l.")

    for response in [client.get(link), client.post(link, CONFIRM)]:
        page = response.content.decode()
        assert "Questo indirizzo ha già un account: accedi." in page and reverse("accounts:login") in page
    assert Customer.objects.get().company_name == "Chi prima arriva S.r.l."
    assert "_auth_user_id" not in client.session


def test_a_later_sign_up_replaces_the_earlier_and_mails_a_new_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Prima S.r.l."})
    first_link = link_in(mailoutbox[0])
    later = clock.now() + datetime.timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Seconda S.r.l."})
        second_link = link_in(mailoutbox[1])

        assert PendingSignUp.objects.get().company["company_name"] == "Seconda S.r.l."
        assert client.post(first_link, CONFIRM).status_code == 400
        client.post(second_link, CONFIRM)
    assert Customer.objects.get().company_name == "Seconda S.r.l."


def test_a_sign_up_again_within_minutes_mails_nothing_and_the_link_makes_the_latest(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Prima S.r.l."})
    sign_up(client, django_capture_on_commit_callbacks, **{"company-company_name": "Seconda S.r.l."})
    (mail,) = mailoutbox
    client.post(link_in(mail), CONFIRM)
    assert Customer.objects.get().company_name == "Seconda S.r.l."


def test_an_expired_link_makes_nothing_and_old_sign_ups_go_at_the_next(
    client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    sign_up(client, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    later = clock.now() + datetime.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = client.post(link, CONFIRM)
        assert response.status_code == 400 and "Il link è scaduto: registrati di nuovo." in response.content.decode()
        assert not User.objects.exists()
        client.post(reverse("accounts:signup"), form() | {"account-email": "altro@example.com"})
    assert list(PendingSignUp.objects.values_list("email", flat=True)) == ["altro@example.com"]


def test_a_changed_link_makes_nothing(client, mailoutbox, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    for changed in [link.replace("/conferma/", "/conferma/x"), link[:-3] + "/"]:
        response = client.post(changed, CONFIRM)
        assert response.status_code == 400 and "Il link non è valido" in response.content.decode()
    assert not User.objects.exists()


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
    assert not PendingSignUp.objects.exists()


def test_it_accepts_a_tax_code_without_vat_number_and_a_pec_without_sdi_code(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    data = form(vat_number="", tax_code="RSSMRA85T10A562S", sdi_code="", pec="rossi@pec.example.it")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), data)
    client.post(link_in(mailoutbox[0]), CONFIRM)
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
    assert PendingSignUp.objects.exists() is accepted


def test_a_posted_is_staff_changes_nothing(client, mailoutbox, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, is_staff="on", **{"account-is_staff": "on"})
    client.post(link_in(mailoutbox[0]), CONFIRM | {"is_staff": "on"})
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


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_button_pressed_twice_at_once_makes_one_account():
    threads.skip_unless_postgresql()
    services.customer_sign_up_request(email="nuovo@example.com", password=cast.PASSWORD, company=cast.company())
    token = services.pending_sign_up_link_token(pending_id=PendingSignUp.objects.get().pk)

    def press(i):
        return (
            Client(raise_request_exception=False)
            .post(reverse("accounts:signup_confirm", args=[token]), CONFIRM)
            .status_code
        )

    assert sorted(threads.all_at_once(press, 2, refused=())) in ([200, 302], [302, 400])
    assert User.objects.count() == Customer.objects.count() == 1


def test_the_button_asks_the_password_chosen_at_sign_up(client, mailoutbox, django_capture_on_commit_callbacks):
    """The latest sign-up for an address wins: a stranger who signed up last with someone's address
    cannot have its owner confirm an account whose password the stranger chose."""
    sign_up(client, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])

    for typed in ["", "la password di uno sconosciuto"]:
        refused = client.post(link, {"password": typed})
        assert refused.status_code == 400 and "non è quella scelta alla registrazione" in refused.content.decode()
    assert not User.objects.exists()

    client.post(link, CONFIRM)
    assert User.objects.get().check_password(cast.PASSWORD)
