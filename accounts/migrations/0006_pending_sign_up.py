"""Sign-ups wait for their address to be confirmed before an account exists (accounts.PendingSignUp)."""

from django.db import migrations, models

import lib.clock


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sign_in_pace"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingSignUp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, unique=True, verbose_name="email")),
                ("password", models.CharField(max_length=128)),
                ("company", models.JSONField(default=dict)),
                ("language", models.CharField(default="it", max_length=5)),
                ("created_at", models.DateTimeField(default=lib.clock.now)),
                ("token_hash", models.CharField(blank=True, db_index=True, max_length=64)),
                ("mailed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "registrazione da confermare",
                "verbose_name_plural": "registrazioni da confermare",
            },
        ),
    ]
