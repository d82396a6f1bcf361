from django.db import migrations, models

from lib.migrations import AddIndexWithoutLocking, RemoveIndexWithoutLocking


class Migration(migrations.Migration):
    # Built, then the old ones dropped, concurrently on PostgreSQL: the orders stay writable meanwhile.
    atomic = False

    dependencies = [
        ("orders", "0008_order_placed_automatically"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="order",
            index=models.Index(fields=["customer", "-created_at", "-id"], name="order_customer_newest"),
        ),
        AddIndexWithoutLocking(
            model_name="order",
            index=models.Index(fields=["service", "-created_at", "-id"], name="order_service_newest"),
        ),
        RemoveIndexWithoutLocking(model_name="order", name="orders_orde_custome_413d7d_idx"),
        RemoveIndexWithoutLocking(model_name="order", name="orders_orde_service_a47e7b_idx"),
    ]
