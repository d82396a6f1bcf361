"""Migration operations for large tables: indexes built and dropped CONCURRENTLY on PostgreSQL, so
that the table stays writable meanwhile (the migration must say atomic = False); the plain CREATE
INDEX and DROP INDEX elsewhere (SQLite)."""

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


class _WithoutLocking:
    concurrent: type  # the operation this one is on PostgreSQL; elsewhere, the plain one it extends

    def _chosen(self, schema_editor: BaseDatabaseSchemaEditor) -> Any:
        start = _WithoutLocking if schema_editor.connection.vendor == "postgresql" else self.concurrent
        return super(start, self)

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._chosen(schema_editor).database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._chosen(schema_editor).database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexWithoutLocking(_WithoutLocking, AddIndexConcurrently):
    concurrent = AddIndexConcurrently


class RemoveIndexWithoutLocking(_WithoutLocking, RemoveIndexConcurrently):
    concurrent = RemoveIndexConcurrently
