import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> str:
    """The sandbox gateway sends one notification; `sandbox_redeliver` sends again what failed."""
    from sandbox import gateway

    answer = gateway.deliver(notification_id)
    logger.info("sandbox notification %s: %s", notification_id, answer)
    return answer
