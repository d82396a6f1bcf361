"""A trigram index for the search in the subject matter (oggetto), on PostgreSQL: `icontains`
matches any part of it, which only pg_trgm's GIN index can serve (see 0003 for the number)."""

from django.db import migrations

INDEX = "document_subject_matter_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON archive_document USING gin ((UPPER(subject_matter::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_document_number_trigram")]

    operations = [migrations.RunPython(create, drop)]
