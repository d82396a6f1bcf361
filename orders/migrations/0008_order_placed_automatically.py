from django.db import migrations, models


def mark_waiting_automatic_renewals(apps, schema_editor):
    """Before this field, an automatic renewal order was a renewal placed without a form (no
    idempotency key) for a service renewing by itself: the ones still waiting are marked, so that
    switching automatic renewal off cancels them as it cancels new ones."""
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(
        kind="RINNOVO", status="ATTESA_PAGAMENTO", idempotency_key=None, service__auto_renew=True
    ).update(placed_automatically=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_order_idempotency_key"),
        ("subscriptions", "0003_operator_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="placed_automatically",
            field=models.BooleanField(default=False, editable=False, verbose_name="ordine di rinnovo automatico"),
        ),
        migrations.RunPython(mark_waiting_automatic_renewals, migrations.RunPython.noop),
    ]
