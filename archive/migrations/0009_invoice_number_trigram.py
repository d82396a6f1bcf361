"""The search by number finds any invoice of a lot by any part of its number, as it finds a
document's own (0003): a trigram index over the invoices' numbers, on PostgreSQL; SQLite scans."""

from django.db import migrations

INDEX = "document_invoice_number_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON archive_documentinvoice USING gin ((UPPER(number::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0008_trusted_lists")]

    operations = [migrations.RunPython(create, drop)]
