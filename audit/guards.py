"""The database's refusal to change or remove an audit entry, per vendor: the SQL that creates it
and the SQL that drops it. The audit migration installs it; tests/conftest.py lifts SQLite's
DELETE trigger while Django's test flush empties the table.

SQLite drops a table's triggers when Django's schema editor remakes the table (most ALTERs
there): a later migration that alters audit_auditentry must run `create` again after it.
"""

TABLE = "audit_auditentry"
MESSAGE = "audit entries are append-only"


def _sqlite_refusal(event: str) -> str:
    return (
        f"CREATE TRIGGER audit_auditentry_no_{event.lower()} BEFORE {event} ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


SQLITE_CREATE_NO_UPDATE = _sqlite_refusal("UPDATE")
SQLITE_CREATE_NO_DELETE = _sqlite_refusal("DELETE")
SQLITE_DROP_NO_UPDATE = "DROP TRIGGER IF EXISTS audit_auditentry_no_update"
SQLITE_DROP_NO_DELETE = "DROP TRIGGER IF EXISTS audit_auditentry_no_delete"

# Class 23 (integrity constraint violation), as SQLite's RAISE(ABORT): both backends raise IntegrityError.
POSTGRESQL_CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""
POSTGRESQL_CREATE_TRIGGER = f"""
CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse_change()
"""
POSTGRESQL_DROP_TRIGGER = f"DROP TRIGGER IF EXISTS audit_auditentry_append_only ON {TABLE}"
POSTGRESQL_DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_auditentry_refuse_change()"

CREATE = {
    "sqlite": [SQLITE_CREATE_NO_UPDATE, SQLITE_CREATE_NO_DELETE],
    "postgresql": [POSTGRESQL_CREATE_FUNCTION, POSTGRESQL_CREATE_TRIGGER],
}
DROP = {
    "sqlite": [SQLITE_DROP_NO_UPDATE, SQLITE_DROP_NO_DELETE],
    "postgresql": [POSTGRESQL_DROP_TRIGGER, POSTGRESQL_DROP_FUNCTION],
}


def _statements(by_vendor: dict[str, list[str]], vendor: str) -> list[str]:
    if vendor not in by_vendor:
        raise NotImplementedError(f"The audit trail has no append-only guard for {vendor}.")
    return by_vendor[vendor]


def create(schema_editor) -> None:
    for sql in _statements(CREATE, schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(schema_editor) -> None:
    for sql in _statements(DROP, schema_editor.connection.vendor):
        schema_editor.execute(sql)
