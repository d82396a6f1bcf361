import logging
import time

from django.conf import settings
from django_tasks import task

from payments import signing
from payments.providers.sandbox import CODE as SANDBOX

logger = logging.getLogger(__name__)


@task()
def deliver_sandbox_notification(body: str) -> str:
    """The sandbox gateway's delivery of a notification, signed at the moment it is sent.

    It goes through the same receiver as the HTTP endpoint, in process: the sandbox lives
    inside the app, so it needs no public URL to reach it.
    """
    from payments.webhooks import receive

    raw = body.encode()
    header = signing.sign(secret=settings.SANDBOX_WEBHOOK_SECRET, body=raw, timestamp=int(time.time()))
    status, outcome = receive(code=SANDBOX, body=raw, headers={signing.HEADER: header})
    if status != 200:
        logger.warning("sandbox notification refused: %s", outcome)
    return outcome


@task()
def charge_saved_card(order_id: int) -> None:
    from payments.services import renewal_charge

    renewal_charge(order_id=order_id)
