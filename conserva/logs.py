"""Logs a collector can follow: one line per request with its id, the id on every line logged
while that request (or a task) runs, and a line per task queued that joins the two.

The request id comes from the proxy's X-Request-ID when it looks like one (so the proxy's log
and ours share it), else a new one; the response carries it back. In production every line is
one JSON object (CONSERVA_LOG_FORMAT=json, the default there)."""

import contextvars
import logging
import re
import time
import uuid

from django_tasks.signals import task_enqueued, task_finished, task_started

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
requests_logger = logging.getLogger("conserva.requests")
tasks_logger = logging.getLogger("conserva.tasks")


class ContextFilter(logging.Filter):
    """Puts the current request's and task's ids on every record (empty outside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or request_id.get()
        record.task_id = getattr(record, "task_id", "") or task_id.get()
        return True


class RequestLogMiddleware:
    """First in the stack: it sees every request, also those another middleware answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        token = request_id.set(given if ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            requests_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id.get(),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)


def on_task_enqueued(sender, task_result, **kwargs) -> None:
    tasks_logger.info("task queued %s", task_result.task.module_path, extra={"queued_task_id": str(task_result.id)})


def on_task_started(sender, task_result, **kwargs) -> None:
    task_id.set(str(task_result.id))
    tasks_logger.info("task started %s", task_result.task.module_path)


def on_task_finished(sender, task_result, **kwargs) -> None:
    tasks_logger.info("task finished %s: %s", task_result.task.module_path, task_result.status)
    task_id.set("")


def connect() -> None:
    task_enqueued.connect(on_task_enqueued, dispatch_uid="conserva.logs.enqueued")
    task_started.connect(on_task_started, dispatch_uid="conserva.logs.started")
    task_finished.connect(on_task_finished, dispatch_uid="conserva.logs.finished")
