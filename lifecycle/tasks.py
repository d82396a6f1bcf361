from django_tasks import task

from payments.renewals import renewal_retry_charge


@task()
def retry_renewal_charge(order_id: int, days_before: int) -> None:
    renewal_retry_charge(order_id=order_id, days_before=days_before)
