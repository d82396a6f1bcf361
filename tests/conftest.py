import datetime
import zoneinfo

import pytest
import time_machine

ROME = zoneinfo.ZoneInfo("Europe/Rome")
# A fixed "today" for every test that asks for it: dates and boundaries are reproducible.
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Hashing with argon2 costs ~50 ms a password; tests/accounts/test_passwords.py checks argon2 itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _revisions_advance_as_if_committed(monkeypatch):
    """A test's own transaction never commits: under it, a customer's revision advances at once,
    as the commit would have advanced it (a transactional test commits for real)."""
    from django.db import connection

    from accounts import revisions

    after_commit = revisions.after_commit

    def at_once_under_a_tests_transaction(callback):
        blocks = connection.atomic_blocks
        if blocks and getattr(blocks[0], "_from_testcase", False):
            callback()
        else:
            after_commit(callback)

    monkeypatch.setattr(revisions, "after_commit", at_once_under_a_tests_transaction)


@pytest.fixture(autouse=True)
def _no_pages_kept_from_another_test():
    """Tests reuse ids (SQLite gives a rolled back id again): no page kept by one serves another."""
    from django.core.cache import caches

    caches["pages"].clear()


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10, 0), tzinfo=ROME), tick=False):
        yield TODAY


@pytest.fixture
def plan(db):
    from tests import cast

    return cast.plan()


@pytest.fixture
def rossi(db):
    from tests import cast

    return cast.customer("rossi@example.com", "Studio Rossi S.r.l.")


@pytest.fixture
def bianchi(db):
    from tests import cast

    return cast.customer("bianchi@example.com", "Bianchi S.p.A.")


@pytest.fixture
def rossi_client(client, rossi):
    client.force_login(rossi.user)
    return client


@pytest.fixture
def bianchi_client(client, bianchi):
    client.force_login(bianchi.user)
    return client


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client, signed in with the second factor the back-office requires."""
    from django.test import Client

    from tests import cast

    client = Client()
    cast.verified_operator_login(client, admin_user)
    return client


@pytest.fixture(autouse=True, scope="session")
def _audit_trail_survives_the_sqlite_flush():
    """SQLite's flush empties tables with DELETE, which the audit trail's trigger refuses: around
    the flush of that table the trigger is dropped and put back. PostgreSQL truncates: nothing to do."""
    from unittest import mock

    from django.db import connection

    from audit import guards

    if connection.vendor != "sqlite":
        yield
        return
    from django.db.backends.sqlite3.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def sql_flush_past_the_trigger(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        if not any(self.quote_name(guards.TABLE) in statement for statement in statements):
            return statements
        return [guards.SQLITE_DROP_NO_DELETE, *statements, guards.SQLITE_CREATE_NO_DELETE]

    with mock.patch.object(DatabaseOperations, "sql_flush", sql_flush_past_the_trigger):
        yield


# Customers of every kind the invoices serve (accounts.tax, billing.parties).


@pytest.fixture
def german_business(db):
    from tests import cast

    return cast.sign_up(
        "gmbh@example.de",
        company_name="Müller Archiv GmbH",
        country="DE",
        vat_number="136695976",
        address="Unter den Linden 5",
        postcode="10117",
        city="Berlin",
        province="",
        sdi_code="",
    )


@pytest.fixture
def swiss_business(db):
    from tests import cast

    return cast.sign_up(
        "ag@example.ch",
        company_name="Zürcher Dokumente AG",
        country="CH",
        vat_number="CHE116281710",
        address="Bahnhofstrasse 1",
        postcode="8001",
        city="Zürich",
        province="",
        sdi_code="",
    )


@pytest.fixture
def public_administration(db):
    from tests import cast

    return cast.sign_up(
        "protocollo@comune.example.it",
        kind="PA",
        company_name="Comune di Arezzo",
        vat_number="00176820512",
        tax_code="00176820512",
        sdi_code="UFABCD",
        cig="Z1A2B3C4D5",
        cup="J91H12000010001",
    )


@pytest.fixture
def private_person(db):
    from tests import cast

    return cast.sign_up(
        "mario@example.it",
        kind="PRIVATO",
        company_name="Mario Rossi",
        first_name="Mario",
        last_name="Rossi",
        vat_number="",
        tax_code="RSSMRA85T10A562S",
        sdi_code="",
    )


@pytest.fixture
def inbox(settings):
    """A real SMTP server on loopback that the mails go to (tests/smtp.py)."""
    from tests import smtp

    yield from smtp.serve(settings)


@pytest.fixture
def run_on(django_capture_on_commit_callbacks):
    """The daily run of a day, its queued work (mails, charges) done as after a real commit (the
    tests' tasks run at once)."""
    from lifecycle.services import daily_run
    from tests.clock import at

    def run(day: datetime.date):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            return daily_run(day)

    return run
