from django_tasks import task

from payments.checkout import renewal_charge


@task()
def charge_saved_card(order_id: int) -> None:
    renewal_charge(order_id=order_id)
