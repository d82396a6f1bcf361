import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from audit import actors, guards, trail
from audit.models import AppendOnlyError, AuditEntry

TRIGGERS = {
    "sqlite": {"audit_auditentry_no_update", "audit_auditentry_no_delete"},
    "postgresql": {"audit_auditentry_append_only"},
}


@pytest.fixture
def entry(rossi):
    return trail.record(rossi, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=rossi.user, plan="pro")


def _refused_by_the_database(sql: str, params: list) -> None:
    # Both backends raise IntegrityError: SQLite's RAISE(ABORT), PostgreSQL's ERRCODE in audit/guards.py.
    with pytest.raises(IntegrityError, match=guards.MESSAGE), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [guards.TABLE])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [guards.TABLE])
        return {name for (name,) in cursor.fetchall()} & TRIGGERS[connection.vendor]


def test_the_database_refuses_an_update(entry):
    _refused_by_the_database("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["qualcun altro", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "rossi@example.com"


def test_the_database_refuses_a_delete(entry):
    _refused_by_the_database("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_refuses_to_save_an_entry_again(entry):
    entry.actor_label = "qualcun altro"
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_it_refuses_to_delete_an_entry(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_it_refuses_to_update_or_delete_entries_in_bulk(entry, rossi):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="qualcun altro")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["actor_label"])
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        rossi.user.auditentry_set.all().delete()


def test_it_never_overwrites_an_entry_with_a_new_one_of_the_same_id(entry, rossi):
    copy = AuditEntry(pk=entry.pk, content_type=entry.content_type, object_id=entry.object_id, actor_label="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "rossi@example.com"


def test_it_refuses_to_delete_a_user_who_acted(django_user_model, rossi):
    operator = django_user_model.objects.create_user(email="operatore@conserva.example", is_staff=True)
    entry = trail.record(rossi, AuditEntry.Action.CUSTOMER_DETAILS_CHANGED, actor=operator)
    with pytest.raises(ProtectedError) as refused:
        operator.delete()
    assert set(refused.value.protected_objects) == {entry}


BEFORE_THE_FLUSH = actors.SystemActor("test: prima del flush")


def test_it_lets_the_test_flush_empty_the_trail(transactional_db, rossi):
    trail.record(rossi, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=BEFORE_THE_FLUSH)
    assert AuditEntry.objects.filter(actor_label=str(BEFORE_THE_FLUSH)).exists()


def test_it_finds_the_guards_in_place_after_the_flush(transactional_db, rossi):
    """Runs after the test above (pytest-django keeps transactional tests in order, after the others)."""
    assert not AuditEntry.objects.filter(actor_label=str(BEFORE_THE_FLUSH)).exists()
    assert _triggers() == TRIGGERS[connection.vendor]
    entry = trail.record(rossi, AuditEntry.Action.CUSTOMER_SIGNED_UP, actor=actors.SYSTEM)
    _refused_by_the_database("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
