import logging

from django_tasks import task

from sandbox import outbox

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> str:
    """The sandbox gateway sends one notification; `sandbox_redeliver` sends again what failed."""
    answer = outbox.deliver(notification_id)
    logger.info("sandbox notification %s: %s", notification_id, answer)
    return answer
