from django_tasks import task


@task()
def charge_saved_card(order_id: int) -> None:
    from payments.services import renewal_charge

    renewal_charge(order_id=order_id)
