import pytest
from django.core import mail
from django.urls import reverse

from support.models import AssistanceRequest, GuideFeedback
from tests import cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["rinnovo", "pagamenti", "spazio", "scadenza"])
def test_every_guide_ends_with_the_feedback_and_the_experts(rossi_client, slug):
    page = rossi_client.get(reverse("support:guide", args=[slug])).content.decode()
    assert "La tua opinione è importante per noi!" in page
    assert "Non hai trovato quello che cerchi?" in page
    assert "Contatta i nostri esperti" in page


def test_an_unknown_guide_is_a_404(rossi_client):
    assert rossi_client.get(reverse("support:guide", args=["nessuna"])).status_code == 404


def test_guide_feedback_is_recorded(rossi_client, rossi):
    rossi_client.post(reverse("support:guide_feedback", args=["spazio"]), {"helpful": "0"})
    feedback = GuideFeedback.objects.get()
    assert (feedback.guide, feedback.helpful, feedback.customer) == ("spazio", False, rossi)


def test_an_assistance_request_is_saved_and_mailed_to_support_after_commit(
    rossi_client, rossi, plan, today, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_EMAIL = "help@provider.example"
    service = cast.active_service(rossi, plan, activated_on=today)
    url = reverse("support:request")
    assert str(service.public_id) in rossi_client.get(url, {"servizio": service.public_id}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = rossi_client.post(
            url, {"service": service.pk, "subject": "Non vedo i documenti", "message": "Da ieri il pannello…"}
        )
    assert response.url == reverse("support:help")
    request = AssistanceRequest.objects.get()
    assert (request.customer, request.service, request.status) == (rossi, service, "APERTA")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["help@provider.example"]
    assert "Studio Rossi S.r.l." in mail.outbox[0].subject and "Da ieri il pannello" in mail.outbox[0].body


def test_an_assistance_request_cannot_name_another_customers_service(rossi_client, bianchi, plan, today):
    other = cast.active_service(bianchi, plan, activated_on=today)
    response = rossi_client.post(reverse("support:request"), {"service": other.pk, "subject": "x", "message": "y"})
    assert response.status_code == 200
    assert not AssistanceRequest.objects.exists()


def test_a_bad_service_in_the_link_is_ignored(rossi_client):
    assert rossi_client.get(reverse("support:request"), {"servizio": "not-a-uuid"}).status_code == 200


def test_operators_see_assistance_requests_in_the_admin(admin_client, rossi):
    AssistanceRequest.objects.create(customer=rossi, subject="Fattura", message="…")
    page = admin_client.get(reverse("admin:support_assistancerequest_changelist")).content.decode()
    assert "Fattura" in page
