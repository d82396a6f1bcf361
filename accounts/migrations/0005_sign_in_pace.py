"""The pace of password checks per email (accounts.throttle), claimed atomically: one row per
email, keyed by a keyed hash of the address."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_email_verification"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInPace",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("next_check_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "ritmo di accesso",
                "verbose_name_plural": "ritmi di accesso",
            },
        ),
    ]
