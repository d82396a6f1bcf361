import logging

from django_tasks import task

from api.webhooks import webhook_deliver

logger = logging.getLogger(__name__)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """The first call of a webhook delivery; `manage.py api_webhooks` makes the later ones."""
    answer = webhook_deliver(delivery_id)
    logger.info("webhook delivery %s: %s", delivery_id, answer)
    return answer
