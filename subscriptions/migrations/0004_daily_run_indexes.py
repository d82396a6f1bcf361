from django.db import migrations, models

from lib.migrations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL: the services table stays writable meanwhile.
    atomic = False

    dependencies = [
        ("subscriptions", "0003_operator_permissions"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="service",
            index=models.Index(fields=["status", "expires_on"], name="service_status_expiry"),
        ),
        AddIndexWithoutLocking(
            model_name="service",
            index=models.Index(condition=models.Q(auto_renew=True), fields=["expires_on"], name="service_auto_renew_expiry"),
        ),
    ]
