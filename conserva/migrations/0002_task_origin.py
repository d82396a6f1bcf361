
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('conserva', '0001_operator_roles'),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskOrigin',
            fields=[
                ('task_id', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('request_id', models.CharField(max_length=64)),
            ],
            options={
                'default_permissions': (),
            },
        ),
    ]
