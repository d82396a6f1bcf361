"""GET /salute/ for load balancers and monitors: the database, the archive's storage, the task
queue and the daily runs, 503 naming what fails; and the request id every response and log carries."""

import datetime
import json
import logging

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from conserva import logs
from lifecycle.services import daily_run
from notifications.tasks import send_account_mail
from tests.clock import at

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 1, 15)
HEALTH = "/salute/"


@pytest.fixture(autouse=True)
def _archive(settings, tmp_path):
    settings.ARCHIVE_STORAGE_ROOT = tmp_path / "archive"


@pytest.fixture
def ran_today():
    with at(DAY):
        daily_run(DAY)


def health(client, hour: int = 9):
    with at(DAY, hour):
        response = client.get(HEALTH)
    return response.status_code, response.json()


def test_every_part_well_is_200(client, ran_today):
    status, body = health(client)
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    assert set(body["parts"]) == {"database", "storage", "task_queue", "daily_run"}
    assert all(part["ok"] for part in body["parts"].values())


def test_no_daily_run_is_a_503_naming_it(client):
    status, body = health(client)
    assert status == 503 and body["failing"] == ["daily_run"]
    assert body["parts"]["daily_run"]["detail"] == "Nessuna esecuzione giornaliera registrata."


def test_a_storage_that_cannot_be_written_is_named(client, ran_today, settings, tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    settings.ARCHIVE_STORAGE_ROOT = blocked
    status, body = health(client)
    assert status == 503 and body["failing"] == ["storage"]


def test_a_queue_no_worker_takes_is_named(client, ran_today, settings, rossi):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.HEALTH_QUEUE_MAX_WAIT_SECONDS = 600
    with time_machine.travel(datetime.datetime(2027, 1, 15, 7, 0, tzinfo=datetime.UTC), tick=False):
        send_account_mail.enqueue("email_verification", rossi.user.pk)
    assert DBTaskResult.objects.ready().count() == 1

    assert health(client, hour=7)[0] == 200  # just queued
    status, body = health(client, hour=8)  # an hour later, still there
    assert status == 503 and body["failing"] == ["task_queue"]
    assert body["parts"]["task_queue"]["detail"] == "1 in coda, la più vecchia da 3600 s"


def test_a_database_that_does_not_answer_is_named_alone(client, monkeypatch):
    def broken():
        raise ConnectionError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    with at(DAY):
        from conserva.health import system_health

        parts = system_health()
    assert [(part.name, part.ok) for part in parts] == [("database", False)]


def test_it_names_no_customer_nor_any_count_of_the_business(client, ran_today, rossi):
    body = json.dumps(health(client)[1])
    assert "rossi" not in body.lower() and "Rossi" not in body


def test_every_response_carries_its_request_id_and_keeps_a_proxys(client):
    own = client.get("/account/accedi/")
    assert len(own["X-Request-ID"]) == 32
    given = client.get("/account/accedi/", HTTP_X_REQUEST_ID="proxy-1234-abcd")
    assert given["X-Request-ID"] == "proxy-1234-abcd"
    odd = client.get("/account/accedi/", HTTP_X_REQUEST_ID="<script>")
    assert odd["X-Request-ID"] != "<script>"


@pytest.mark.django_db(transaction=True)  # the mail's task is queued when the view's transaction commits
def test_each_request_is_one_log_line_with_its_id_and_so_are_the_tasks_it_queued(client, caplog, rossi):
    caplog.set_level(logging.INFO, logger="conserva.requests")
    caplog.set_level(logging.INFO, logger="conserva.tasks")
    response = client.post("/account/password/recupero/", {"email": rossi.user.email})

    request_id = response["X-Request-ID"]
    lines = [record for record in caplog.records if record.name == "conserva.requests"]
    assert len(lines) == 1
    (line,) = lines
    assert (line.method, line.path, line.status) == ("POST", "/account/password/recupero/", response.status_code)
    assert line.request_id == request_id and line.duration_ms >= 0
    queued = [record for record in caplog.records if record.getMessage().startswith("task queued")]
    assert queued and all(record.queued_task_id and record.request_id == request_id for record in queued)


def test_the_json_format_writes_one_object_per_line_with_the_ids():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    record = logging.LogRecord("conserva.requests", logging.INFO, __file__, 1, "GET / 200", (), None)
    token = logs.request_id.set("abcdef123456")
    try:
        logs.ContextFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "abcdef123456" and line["level"] == "INFO" and line["message"] == "GET / 200"


@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_the_worker_logs_the_id_of_the_request_that_queued_it(client, caplog, rossi, settings):
    from django_tasks_db.management.commands.db_worker import Worker

    from conserva.models import TaskOrigin

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    caplog.set_level(logging.INFO, logger="conserva.tasks")
    response = client.post("/account/password/recupero/", {"email": rossi.user.email})
    assert TaskOrigin.objects.count() == 1  # written with the task's row

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    caplog.clear()
    with logging_filtered(logs.ContextFilter()):
        worker.run()  # batch: runs what is queued, then returns

    started = next(record for record in caplog.records if record.getMessage().startswith("task started"))
    assert started.request_id == response["X-Request-ID"] and started.task_id
    assert TaskOrigin.objects.count() == 0  # removed when the task finished


class logging_filtered:
    """Applies a filter to the records caplog receives (in production the handler has it)."""

    def __init__(self, log_filter: logging.Filter) -> None:
        self.log_filter = log_filter

    def __enter__(self):
        logging.getLogger("conserva.tasks").addFilter(self.log_filter)

    def __exit__(self, *exc):
        logging.getLogger("conserva.tasks").removeFilter(self.log_filter)


def test_the_benchmarks_empty_view_is_not_served_unless_asked(rossi_client):
    assert rossi_client.get("/bench/vuota/").status_code == 404  # CONSERVA_BENCH_EMPTY_VIEW is off
