"""Logs a collector can follow: one line per request with its id, and that id on every line
logged while the request runs, and while the tasks it queued run (conserva/task_logs.py).

The request id comes from the proxy's X-Request-ID when it looks like one (so the proxy's log and
ours share it), else a new one; the response carries it back. In production every line is one
JSON object (CONSERVA_LOG_FORMAT=json, the default there)."""

import contextvars
import logging
import re
import time
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
requests_logger = logging.getLogger("conserva.requests")


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
