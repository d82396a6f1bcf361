from django.db import migrations, models

from lib.migrations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL: invoices go on being issued meanwhile.
    atomic = False

    dependencies = [
        ("billing", "0005_operator_permissions"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="invoice",
            index=models.Index(fields=["customer", "-year", "-sequence"], name="invoice_customer_newest"),
        ),
    ]
