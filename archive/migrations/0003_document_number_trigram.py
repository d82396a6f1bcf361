"""A trigram index for the search by document number, on PostgreSQL.

The search matches any part of the number, case-insensitively (`number__icontains`, which Django
writes as UPPER("number"::text) LIKE UPPER('%…%')): a B-tree cannot serve a pattern that starts with
a wildcard, so over a million documents every such search read the whole table. A GIN index of
pg_trgm's trigrams over the same expression can. SQLite has neither, and keeps its plain scan.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "document_number_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON archive_document USING gin ((UPPER(number::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_document_classes")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
