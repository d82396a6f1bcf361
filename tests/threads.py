"""Real threads released together against PostgreSQL's row locks: the concurrency tests' tool."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection


def skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; .ci/run runs the suite again on PostgreSQL")


def all_at_once(action: Callable[[int], object], count: int, refused: tuple[type[Exception], ...]) -> list[object]:
    """Runs action(i) in `count` threads released together; each returns what it returned, or
    "refused" for one of the `refused` errors."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            return action(i)
        except refused:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
