"""The migration that gave the old free-text entries their codes and typed values, run on old rows."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit import actors, trail
from audit.models import AuditEntry

FREE_TEXT = [("audit", "0001_initial")]
TYPED = [("audit", "0002_typed_append_only")]
OLD_ACTIONS = importlib.import_module("audit.migrations.0002_typed_append_only").OLD_ACTIONS


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def write_old_entry(transactional_db, rossi):
    apps = _migrate(FREE_TEXT)
    content_type = apps.get_model("contenttypes", "ContentType").objects.get_for_model(rossi)

    def write(action: str, **changes: str) -> int:
        return (
            apps.get_model("audit", "AuditEntry")
            .objects.create(
                content_type_id=content_type.pk,
                object_id=str(rossi.pk),
                object_repr=str(rossi),
                action=action,
                actor_label="sistema",
                changes=changes,
            )
            .pk
        )

    yield write
    _migrate(TYPED)


@pytest.fixture(autouse=True)
def _every_migration_applied_after(transactional_db):
    """Going back to audit 0001 also undoes the migrations that depend on audit's later ones
    (conserva's, with their tables): each test leaves every app at its latest migration."""
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_it_gives_every_old_action_its_code_and_its_values_a_type(write_old_entry):
    ids = {write_old_entry(words, total="353.80"): code for words, code in OLD_ACTIONS.items()}
    _migrate(TYPED)

    for pk, code in ids.items():
        entry = AuditEntry.objects.get(pk=pk)
        assert entry.action == code
        assert entry.changes == {"total": {"type": "str", "value": "353.80"}}
    assert set(ids.values()) <= set(AuditEntry.Action.values)


@pytest.mark.parametrize(
    ("words", "code"),
    [
        ("emessa Fattura 2026/0001", "invoice.issued"),
        ("emessa Invoice 2026/0001", "invoice.issued"),
        ("emessa Nota di credito 2026/0001", "invoice.credit_note_issued"),
        ("emessa Credit note 2026/0001", "invoice.credit_note_issued"),
    ],
)
def test_it_keeps_the_number_of_an_issued_document(write_old_entry, words, code):
    pk = write_old_entry(words, total="353.80")
    _migrate(TYPED)

    entry = AuditEntry.objects.get(pk=pk)
    assert entry.action == code
    assert entry.values() == {"total": "353.80", "number": "2026/0001"}


def test_it_stops_on_an_action_it_does_not_know(write_old_entry):
    pk = write_old_entry("fatto qualcosa")
    with pytest.raises(ValueError, match="fatto qualcosa"):
        _migrate(TYPED)
    # Still free text, with no guard yet: the row goes, so that the migration can run at teardown.
    _migrate(FREE_TEXT).get_model("audit", "AuditEntry").objects.filter(pk=pk).delete()


@pytest.mark.parametrize(
    "words", ["emessa Fattura 2026/0001", "emessa Nota di credito 2026/0002", "rimborso", "pagato"]
)
def test_it_goes_back_to_free_text(write_old_entry, words):
    pk = write_old_entry(words, total="353.80")
    _migrate(TYPED)
    apps = _migrate(FREE_TEXT)

    entry = apps.get_model("audit", "AuditEntry").objects.get(pk=pk)
    assert (entry.action, entry.changes) == (words, {"total": "353.80"})


def test_it_keeps_the_code_of_a_later_entry_through_going_back_and_forth(transactional_db, rossi):
    pk = trail.record(rossi, AuditEntry.Action.SERVICE_USAGE_SET, actor=actors.SYSTEM, used_bytes=5).pk
    _migrate(FREE_TEXT)
    _migrate(TYPED)

    entry = AuditEntry.objects.get(pk=pk)
    assert (entry.action, entry.values()) == ("service.usage_set", {"used_bytes": "5"})
