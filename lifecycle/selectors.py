"""What the next run has to do, and whether the runs can be trusted (the health endpoint)."""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lifecycle.models import DailyRun, RunError
from lifecycle.periodic import due_for_auto_renewal, due_for_reminder, due_for_retry
from payments.renewals import automatic_renewals_to_charge
from subscriptions.models import Service, ServiceQuerySet

Step = RunError.Step
DUE_STEPS = [Step.EXPIRY, Step.SUSPENSION, Step.AUTO_RENEWAL, Step.CHARGE, Step.RETRY, Step.REMINDER, Step.CESSATION]


def services_due(step: str, today: datetime.date) -> ServiceQuerySet:
    """The services the run on `today` would take through `step`: the very querysets it uses."""
    if step == Step.EXPIRY:
        return Service.objects.due_to_expire(today)
    if step == Step.SUSPENSION:
        return Service.objects.due_for_suspension(today)
    if step == Step.AUTO_RENEWAL:
        return due_for_auto_renewal(today)
    if step == Step.CHARGE:
        return Service.objects.filter(pk__in=automatic_renewals_to_charge(today).values_list("service_id", flat=True))
    if step == Step.RETRY:
        return Service.objects.filter(pk__in=due_for_retry(today).values_list("service_id", flat=True))
    if step == Step.REMINDER:
        return due_for_reminder(today)
    if step == Step.CESSATION:  # an operator's step: the run only lists them
        return Service.objects.due_for_cessation(today)
    raise ValueError(step)


def services_due_for_any_step(today: datetime.date) -> Q:
    condition = Q(pk__in=[])
    for step in DUE_STEPS:
        condition |= Q(pk__in=services_due(step, today).values("pk"))
    return condition


@dataclasses.dataclass(frozen=True)
class Health:
    ok: bool
    reason: str
    last_run: DailyRun | None


def runs_health(now: datetime.datetime) -> Health:
    """Good when the last run that finished succeeded within LIFECYCLE_HEALTH_MAX_AGE_HOURS and the
    latest run did not die half-way; a run going on now is judged by the one before it."""
    latest = DailyRun.objects.order_by("-started_at", "-pk").first()
    if latest is None:
        return Health(False, _("Nessuna esecuzione giornaliera registrata."), None)
    if latest.is_crashed(now):
        return Health(False, _("L'ultima esecuzione si è interrotta prima di finire."), latest)
    finished: DailyRun | None = latest
    if latest.outcome == DailyRun.Outcome.RUNNING:
        finished = DailyRun.objects.exclude(outcome=DailyRun.Outcome.RUNNING).order_by("-started_at", "-pk").first()
    max_age = datetime.timedelta(hours=settings.LIFECYCLE_HEALTH_MAX_AGE_HOURS)
    if finished is None or finished.finished_at is None or finished.finished_at < now - max_age:
        return Health(
            False,
            _("Nessuna esecuzione finita nelle ultime %(hours)d ore.")
            % {"hours": settings.LIFECYCLE_HEALTH_MAX_AGE_HOURS},
            finished or latest,
        )
    if finished.outcome == DailyRun.Outcome.CRASHED:
        return Health(False, _("L'ultima esecuzione si è interrotta prima di finire."), finished)
    if finished.outcome == DailyRun.Outcome.FAILED:
        errors = finished.errors.count()
        return Health(
            False,
            ngettext(
                "L'ultima esecuzione è finita con %(count)d errore.",
                "L'ultima esecuzione è finita con %(count)d errori.",
                errors,
            )
            % {"count": errors},
            finished,
        )
    return Health(True, _("L'ultima esecuzione è riuscita."), finished)


def public_reason(health: Health, now: datetime.datetime) -> str:
    """The reason without the number of errors, which runs_health gives for operators: a recent
    run that failed (an old one is reported as too old)."""
    run = health.last_run
    max_age = datetime.timedelta(hours=settings.LIFECYCLE_HEALTH_MAX_AGE_HOURS)
    recent = run is not None and run.finished_at is not None and run.finished_at >= now - max_age
    if run is not None and recent and run.outcome == DailyRun.Outcome.FAILED and not run.is_crashed(now):
        return _("L'ultima esecuzione è finita con errori.")
    return health.reason
