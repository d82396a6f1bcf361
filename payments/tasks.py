import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_sandbox_notification(notification_id: int) -> str:
    """The sandbox gateway sends one notification; `sandbox_redeliver` sends again what failed."""
    from payments import sandbox

    answer = sandbox.deliver(notification_id)
    logger.info("sandbox notification %s: %s", notification_id, answer)
    return answer


@task()
def charge_saved_card(order_id: int) -> None:
    from payments.services import renewal_charge

    renewal_charge(order_id=order_id)
