"""The daily run: every step over every service due, each error recorded with its service, and
the run's own record (lifecycle.models.DailyRun) written apart from the services' transactions."""

import datetime
import logging
import traceback
from collections.abc import Callable

from lib import clock
from lifecycle import periodic
from lifecycle.models import DailyRun, RunError

logger = logging.getLogger(__name__)
Step = RunError.Step


def daily_run(today: datetime.date) -> DailyRun:
    """Runs every step for `today` and returns the run's record: SUCCEEDED, FAILED (some services
    had errors; the others went on) or CRASHED (the run itself raised: recorded, then re-raised
    for anything but an ordinary exception, so Ctrl-C still stops it)."""
    run = DailyRun.objects.create(business_day=today, started_at=clock.now())
    recorder = _Recorder(run)
    try:
        _steps(run, today, recorder)
    except Exception as error:
        logger.exception("the daily run for %s crashed", today)
        recorder.error(Step.RUN, error)
        _finish(run, DailyRun.Outcome.CRASHED)
        return run
    except BaseException as interruption:
        recorder.error(Step.RUN, interruption)
        _finish(run, DailyRun.Outcome.CRASHED)
        raise
    _finish(run, DailyRun.Outcome.FAILED if recorder.count else DailyRun.Outcome.SUCCEEDED)
    return run


def _steps(run: DailyRun, today: datetime.date, recorder: "_Recorder") -> None:
    run.expired = _repeat(lambda skip: periodic.expiries(today, skip), Step.EXPIRY, recorder)
    _save_counts(run)
    run.suspended = _repeat(lambda skip: periodic.suspensions(today, skip), Step.SUSPENSION, recorder)
    _save_counts(run)
    run.renewal_orders_placed = _repeat(lambda skip: periodic.auto_renewals(today, skip), Step.AUTO_RENEWAL, recorder)
    _save_counts(run)
    for order_id, service_id in periodic.renewal_charges_due(today):
        try:
            asked = periodic.handle_one_charge(order_id, service_id)
        except periodic.StepFailed as failure:
            recorder.failure(Step.CHARGE, failure)
            continue
        if asked:
            run.charges_asked += 1
        else:
            run.charges_refused += 1
    _save_counts(run)
    for order_id, _service_id in periodic.retries_due(today):
        try:
            tried = periodic.handle_one_retry(order_id, today)
        except periodic.StepFailed as failure:
            recorder.failure(Step.RETRY, failure)
            continue
        if tried:  # not when another run had claimed it
            run.retries += 1
    _save_counts(run)
    # Last, so that a reminder's trouble never delays the steps above; and a reminder mailed on the
    # day an automatic renewal order is placed reads that order's amount.
    due = periodic.reminders_due(today)
    for start in range(0, len(due), periodic.REMINDER_BATCH):
        sent, failures = periodic.handle_reminders(due[start : start + periodic.REMINDER_BATCH], today)
        run.reminders += sent  # not those another run had claimed
        for reminder_failure in failures:
            recorder.failure(Step.REMINDER, reminder_failure)
        _save_counts(run)


def _repeat(claim: Callable[[set[int]], periodic.Batch], step: str, recorder: "_Recorder") -> int:
    """Claims batches until one finds nothing more, and returns how many were done; a service
    whose step raised (recorded) or that was refused is skipped for the rest of the run (else the
    next batch would claim it again and again)."""
    skip: set[int] = set()
    done = 0
    while True:
        batch = claim(skip)
        for failure in batch.failures:
            recorder.failure(step, failure)
        skip.update(batch.passed)
        if not batch.claimed:
            return done
        done += batch.done


class _Recorder:
    """Writes each error as it happens, outside the service's transaction (already rolled back)."""

    def __init__(self, run: DailyRun) -> None:
        self.run = run
        self.count = 0

    def failure(self, step: str, failure: periodic.StepFailed) -> None:
        cause = failure.__cause__ or failure
        logger.error("daily run, %s of service %s failed", step, failure.service_id, exc_info=cause)
        self.error(step, cause, service_id=failure.service_id, order_id=failure.order_id)

    def error(
        self, step: str, error: BaseException, *, service_id: int | None = None, order_id: int | None = None
    ) -> None:
        self.count += 1
        text = "".join(traceback.format_exception(error))
        RunError.objects.create(
            run=self.run,
            step=step,
            service_id=service_id,
            order_id=order_id,
            message=f"{type(error).__name__}: {error}"[:1000],
            traceback=text[-RunError.TRACEBACK_LIMIT :],  # the end says where it broke
            created_at=clock.now(),
        )


COUNT_FIELDS = [
    "expired",
    "suspended",
    "renewal_orders_placed",
    "charges_asked",
    "charges_refused",
    "retries",
    "reminders",
]


def _save_counts(run: DailyRun) -> None:
    """After each step: a run that dies later still says what it had done."""
    run.save(update_fields=COUNT_FIELDS)


def _finish(run: DailyRun, outcome: str) -> None:
    run.outcome = outcome
    run.finished_at = clock.now()
    run.save(update_fields=["outcome", "finished_at", *COUNT_FIELDS])
