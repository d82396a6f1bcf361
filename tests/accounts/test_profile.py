import pytest
from django.urls import reverse

from tests import cast

pytestmark = pytest.mark.django_db


def test_it_edits_the_company_data(rossi_client, rossi):
    data = cast.company(company_name="Studio Rossi & Associati", city="Siena", province="si", sdi_code="abc1234")
    response = rossi_client.post(reverse("accounts:profile"), data)

    assert response.url == reverse("accounts:profile")
    rossi.refresh_from_db()
    assert (rossi.company_name, rossi.city, rossi.province, rossi.sdi_code) == (
        "Studio Rossi & Associati",
        "Siena",
        "SI",
        "ABC1234",
    )


def test_bad_data_is_refused_and_nothing_changes(rossi_client, rossi):
    response = rossi_client.post(reverse("accounts:profile"), cast.company(vat_number="12345678901"))
    assert response.status_code == 200
    assert "partita IVA non è valida" in response.content.decode()
    rossi.refresh_from_db()
    assert rossi.vat_number == cast.VAT_NUMBER


def test_an_operator_without_a_customer_goes_to_the_back_office(client, django_user_model):
    operator = django_user_model.objects.create_superuser("op@example.com", cast.PASSWORD)
    client.force_login(operator)
    assert client.get(reverse("subscriptions:list")).url == reverse("admin:index")
