from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from support.models import AssistanceRequest


@task()
def mail_assistance_request(request_id: int) -> None:
    assistance = AssistanceRequest.objects.select_related("customer__user", "service__plan").get(pk=request_id)
    context = {"assistance": assistance, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("support/email/assistance_subject.txt", context).strip(),
        message=render_to_string("support/email/assistance.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[settings.SUPPORT_EMAIL],
    )
