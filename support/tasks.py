from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django_tasks import task

from notifications import failures
from support.models import AssistanceRequest

ASSISTANCE_REQUEST = "assistance_request"


@task()
def mail_assistance_request(request_id: int) -> None:
    assistance = AssistanceRequest.objects.select_related("customer__user", "service__plan").get(pk=request_id)
    context = {"assistance": assistance, "site_url": settings.SITE_URL}
    # One line, whatever a request saved before control characters were refused holds: a line break
    # in a mail header makes the mail unsendable.
    subject = " ".join(render_to_string("support/email/assistance_subject.txt", context).split())
    message = EmailMessage(
        subject=subject,
        body=render_to_string("support/email/assistance.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.SUPPORT_EMAIL],
    )
    failures.send(message, mail=ASSISTANCE_REQUEST, reference=str(assistance.pk))
