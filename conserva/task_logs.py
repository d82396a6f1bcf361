"""The tasks' log lines: each task queued is logged with the request's id and its own, and the
worker's lines while it runs carry both (conserva/logs.py holds the ids)."""

import contextvars
import logging

from django_tasks.signals import task_enqueued, task_finished, task_started

from conserva.logs import request_id, task_id
from conserva.models import TaskOrigin

tasks_logger = logging.getLogger("conserva.tasks")
_request_ids_set: dict[str, contextvars.Token[str]] = {}


def on_task_enqueued(sender, task_result, **kwargs) -> None:
    if request_id.get():
        TaskOrigin.objects.update_or_create(task_id=str(task_result.id), defaults={"request_id": request_id.get()})
    tasks_logger.info(
        "task queued %s",
        task_result.task.module_path,
        extra={"queued_task_id": str(task_result.id), "request_id": request_id.get()},
    )


def on_task_started(sender, task_result, **kwargs) -> None:
    """The worker's lines for this task carry its id and the id of the request that queued it."""
    task_id.set(str(task_result.id))
    origin = TaskOrigin.objects.filter(task_id=str(task_result.id)).values_list("request_id", flat=True).first()
    if origin:
        _request_ids_set[str(task_result.id)] = request_id.set(origin)
    tasks_logger.info("task started %s", task_result.task.module_path)


def on_task_finished(sender, task_result, **kwargs) -> None:
    tasks_logger.info("task finished %s: %s", task_result.task.module_path, task_result.status)
    TaskOrigin.objects.filter(task_id=str(task_result.id)).delete()
    if token := _request_ids_set.pop(str(task_result.id), None):
        request_id.reset(token)
    task_id.set("")


def connect() -> None:
    task_enqueued.connect(on_task_enqueued, dispatch_uid="conserva.task_logs.enqueued")
    task_started.connect(on_task_started, dispatch_uid="conserva.task_logs.started")
    task_finished.connect(on_task_finished, dispatch_uid="conserva.task_logs.finished")
