from functools import partial

from django.db import transaction

from support.models import AssistanceRequest, GuideFeedback
from support.tasks import mail_assistance_request


@transaction.atomic
def assistance_request_open(*, customer, form) -> AssistanceRequest:
    assistance = form.save(commit=False)
    assistance.customer = customer
    assistance.save()
    transaction.on_commit(partial(mail_assistance_request.enqueue, assistance.pk))
    return assistance


def guide_feedback_record(*, guide: str, helpful: bool, customer) -> GuideFeedback:
    return GuideFeedback.objects.create(guide=guide, helpful=helpful, customer=customer)
