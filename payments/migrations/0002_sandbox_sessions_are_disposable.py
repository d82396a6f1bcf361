# The sandbox's sessions become the simulated gateway's own records, keyed by order number and
# idempotency key. They are test data: the old ones are dropped and the table made anew.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.DeleteModel(name="SandboxCheckout")]
