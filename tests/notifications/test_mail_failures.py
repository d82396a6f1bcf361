"""A mail a task cannot send is recorded for the operators (and the task still fails)."""

import pytest
from django.core.mail import BadHeaderError, EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django_tasks.base import TaskResultStatus as ResultStatus

from notifications import failures
from notifications.models import MailFailure
from notifications.tasks import send_order_mail
from orders.services import order_place_first_purchase
from support.models import AssistanceRequest
from support.tasks import ASSISTANCE_REQUEST, mail_assistance_request
from tests.threads import skip_unless_postgresql


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server said no")


REFUSING = f"{__name__}.RefusingBackend"


@pytest.fixture
def order(rossi, plan):
    return order_place_first_purchase(customer=rossi, plan=plan, actor=rossi.user)


@pytest.mark.django_db
def test_a_header_with_a_line_break_is_recorded_and_raises(mailoutbox):
    message = EmailMessage(subject="Aiuto\r\nBcc: x@evil.example", body="…", to=["help@provider.example"])

    with pytest.raises(BadHeaderError):
        failures.send(message, mail=ASSISTANCE_REQUEST, reference="7")

    failure = MailFailure.objects.get()
    assert (failure.mail, failure.reference, failure.recipients) == (ASSISTANCE_REQUEST, "7", "help@provider.example")
    assert failure.subject == "Aiuto\\r\\nBcc: x@evil.example"  # shown, not obeyed
    assert failure.error.startswith("BadHeaderError")
    assert not mailoutbox


@pytest.mark.django_db
def test_an_order_mail_the_server_refuses_fails_the_task_and_is_recorded(settings, order):
    settings.EMAIL_BACKEND = REFUSING

    result = send_order_mail.enqueue("order_placed", order.pk, None, "")

    assert result.status == ResultStatus.FAILED
    failure = MailFailure.objects.get()
    assert (failure.mail, failure.reference, failure.recipients) == ("order_placed", order.number, "rossi@example.com")
    assert order.number in failure.subject
    assert "ConnectionRefusedError: the mail server said no" in failure.error


@pytest.mark.django_db
def test_a_support_request_the_server_refuses_is_recorded(settings, rossi):
    settings.EMAIL_BACKEND = REFUSING
    settings.SUPPORT_EMAIL = "help@provider.example"
    request = AssistanceRequest.objects.create(customer=rossi, subject="Non vedo i documenti", message="…")

    assert mail_assistance_request.enqueue(request.pk).status == ResultStatus.FAILED

    failure = MailFailure.objects.get()
    assert (failure.mail, failure.reference, failure.recipients) == (
        ASSISTANCE_REQUEST,
        str(request.pk),
        "help@provider.example",
    )


@pytest.mark.django_db
def test_a_support_request_saved_with_a_line_break_is_still_mailed_on_one_line(rossi, mailoutbox):
    request = AssistanceRequest.objects.create(customer=rossi, subject="Riga uno\r\nBcc: x@evil.example", message="…")

    assert mail_assistance_request.enqueue(request.pk).status == ResultStatus.SUCCESSFUL

    assert "\n" not in mailoutbox[0].subject and "Riga uno Bcc: x@evil.example" in mailoutbox[0].subject
    assert not MailFailure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_record_survives_the_rollback_of_the_tasks_transaction(settings, order):
    skip_unless_postgresql()  # SQLite lets one connection write at a time: there the log keeps it
    settings.EMAIL_BACKEND = REFUSING

    with pytest.raises(ConnectionRefusedError), transaction.atomic():
        send_order_mail.call("order_placed", order.pk, None, "")

    assert MailFailure.objects.get().reference == order.number


@pytest.mark.django_db
def test_every_failure_is_also_in_the_log(settings, order, caplog):
    settings.EMAIL_BACKEND = REFUSING
    send_order_mail.enqueue("order_placed", order.pk, None, "")
    assert f"mail order_placed ({order.number}) to rossi@example.com not sent: ConnectionRefusedError" in caplog.text


@pytest.mark.django_db
def test_operators_see_the_failures_read_only(admin_client, settings, order):
    settings.EMAIL_BACKEND = REFUSING
    send_order_mail.enqueue("order_placed", order.pk, None, "")
    failure = MailFailure.objects.get()

    page = admin_client.get(reverse("admin:notifications_mailfailure_changelist")).content.decode()
    assert order.number in page and "rossi@example.com" in page and "ConnectionRefusedError" in page
    assert admin_client.get(reverse("admin:notifications_mailfailure_change", args=[failure.pk])).status_code == 200
    deleted = admin_client.post(reverse("admin:notifications_mailfailure_delete", args=[failure.pk]), {"post": "yes"})
    assert deleted.status_code == 403 and MailFailure.objects.exists()
    assert admin_client.get(reverse("admin:notifications_mailfailure_add")).status_code == 403
