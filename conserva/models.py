from django.db import models


class TaskOrigin(models.Model):
    """The request that queued a task, for the task's own log lines (conserva/logs.py): written
    when the task is queued (in the same transaction, with the database queue), read when it
    starts, removed when it finishes."""

    task_id = models.CharField(max_length=64, primary_key=True)  # the backend's own id: a UUID, or not
    request_id = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.task_id}: {self.request_id}"
