"""Daily work on services: each step claims the rows due a batch at a time and acts on each, so
that the run (lifecycle/services.py) loops until a claim finds nothing.

Claims skip rows another run holds (PostgreSQL); the transition itself re-checks the
state under the row lock, so two runs never act twice on the same service.

A step that raises for one service raises StepFailed naming it, after its transaction rolled
back: the run records the error with that service, skips it and goes on with the others.
"""

import datetime
import logging
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, OuterRef, PositiveSmallIntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from audit.actors import DAILY_RUN
from lib import clock
from lifecycle.models import RenewalRetry, ServiceReminder
from lifecycle.tasks import retry_renewal_charge
from notifications import mails
from orders.models import Order
from orders.services import OrderError, order_place_renewal
from payments.checkout import renewal_charge
from payments.errors import PaymentError
from payments.models import SavedCard
from payments.renewals import automatic_renewals_to_charge, renewal_charge_later, retry_thresholds
from subscriptions.models import RENEWABLE, Service, ServiceQuerySet
from subscriptions.services import service_expire, service_suspend

logger = logging.getLogger(__name__)


class StepFailed(Exception):
    """One service's step raised (the cause is __cause__); its changes were rolled back."""

    def __init__(self, service_id: int | None, order_id: int | None = None) -> None:
        super().__init__(f"service {service_id}, order {order_id}")
        self.service_id = service_id
        self.order_id = order_id


@contextmanager
def _about(service_id: int | None, order_id: int | None = None) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        raise StepFailed(service_id, order_id) from error


CLAIM_BATCH = 100  # services claimed, and moved one by one, in one transaction


@dataclass
class Batch:
    """What one claim did: services claimed, acted on (moved, order placed), the failures of
    those whose step raised (each rolled back alone, to its savepoint), and the services that are
    still due but not to be claimed again in this run (failed, or refused)."""

    claimed: int = 0
    done: int = 0
    failures: list[StepFailed] = field(default_factory=list)
    passed: list[int] = field(default_factory=list)


def _in_batch(queryset: ServiceQuerySet, skip: Collection[int], act: Callable[[Service], bool]) -> Batch:
    """Claims up to CLAIM_BATCH due services in one query (skipping those another run holds) and
    acts on each in a savepoint of the batch's transaction, so one service's error leaves the
    others; a run killed half-way rolls the whole batch back, and the next run finds it due."""
    queryset = queryset.exclude(pk__in=skip) if skip else queryset
    batch = Batch()
    with transaction.atomic():
        for service in queryset.select_for_update(skip_locked=True).order_by("expires_on", "pk")[:CLAIM_BATCH]:
            batch.claimed += 1
            try:
                with transaction.atomic(), _about(service.pk):
                    done = act(service)
            except StepFailed as failure:
                batch.failures.append(failure)
                done = False
            if done:
                batch.done += 1
            else:
                batch.passed.append(service.pk)
    return batch


def expiries(today: datetime.date, skip: Collection[int] = ()) -> Batch:
    due = Service.objects.due_to_expire(today)
    return _in_batch(due, skip, lambda service: service_expire(service_id=service.pk, today=today, actor=DAILY_RUN))


def suspensions(today: datetime.date, skip: Collection[int] = ()) -> Batch:
    due = Service.objects.due_for_suspension(today)
    return _in_batch(due, skip, lambda service: service_suspend(service_id=service.pk, today=today, actor=DAILY_RUN))


def due_for_auto_renewal(today: datetime.date) -> ServiceQuerySet:
    """Services renewing by themselves whose expiry is near and that have no renewal order waiting."""
    lead = datetime.timedelta(days=settings.AUTO_RENEWAL_LEAD_DAYS)
    # One Exists, not .exclude(orders__kind=..., orders__status=...): across a multi-valued relation
    # that excludes a service with any renewal order and any order waiting, not the same one.
    renewal_waiting = Order.objects.filter(
        service=OuterRef("pk"), kind=Order.Kind.RENEWAL, status=Order.Status.AWAITING_PAYMENT
    )
    return Service.objects.filter(status__in=RENEWABLE, auto_renew=True, expires_on__lte=today + lead).filter(
        ~Exists(renewal_waiting)
    )


def auto_renewals(today: datetime.date, skip: Collection[int] = ()) -> Batch:
    """Places the renewal orders of services renewing by themselves and, after commit, charges
    each customer's saved card; the payment's notification then renews it like any other. A
    service the orders refuse to renew (an order of space waiting, an e-mail address not
    verified), or whose order another run placed a moment ago (its query read the service before
    that run committed), is claimed but not done: passed for the rest of the run."""

    def place(service: Service) -> bool:
        try:
            order, created = order_place_renewal(service_id=service.pk, actor=DAILY_RUN, automatic=True)
        except OrderError as refusal:
            logger.info("automatic renewal of service %s not placed: %s", service.pk, refusal)
            created = False
        if created:
            renewal_charge_later(order)
        return created

    return _in_batch(due_for_auto_renewal(today), skip, place)


def renewal_charges_due(today: datetime.date) -> list[tuple[int, int | None]]:
    """(order, service) of the automatic renewal charges still waiting (payments.renewals says which)."""
    return list(automatic_renewals_to_charge(today).values_list("pk", "service_id"))


def handle_one_charge(order_id: int, service_id: int | None = None) -> bool:
    """Asks the provider again for one automatic renewal charge still waiting (a lost task): True
    when asked. One that cannot be asked (the order was cancelled meanwhile, the provider does
    not answer) is logged and counted, not an error of the run: the next run asks again."""
    with _about(service_id, order_id):
        try:
            renewal_charge(order_id=order_id)
        except PaymentError as error:
            logger.warning("automatic renewal charge of order %s not asked: %s", order_id, error)
            return False
        return True


def charge_automatic_renewals(today: datetime.date) -> tuple[int, int]:
    """Every charge still waiting, one after the other: (asked, could not be asked)."""
    asked = refused = 0
    for order_id, service_id in renewal_charges_due(today):
        if handle_one_charge(order_id, service_id):
            asked += 1
        else:
            refused += 1
    return asked, refused


# Reminders before expiry. The rule: on a given day a service is due for one reminder only, that
# of the nearest threshold at or above its days left (LIFECYCLE_REMINDER_DAYS), if that threshold
# has no row yet for its current term. A run that skipped days thus sends only the nearest one
# still due; the thresholds already behind are never considered again. A renewal moves
# expires_on, so the old term's rows no longer match and the new term starts afresh.


def reminder_thresholds() -> list[int]:
    return sorted({days for days in settings.LIFECYCLE_REMINDER_DAYS if days > 0})


def nearest_threshold(thresholds: list[int], days_left: int) -> int | None:
    """The nearest of the (sorted) thresholds at or above `days_left`, or None beyond the farthest."""
    return next((days for days in thresholds if days >= days_left), None)


def _nearest_threshold_in_sql(expires_on: str, today: datetime.date, thresholds: list[int]) -> Case:
    """nearest_threshold, as the database computes it for each row from its `expires_on` field."""
    return Case(
        *(
            When(**{f"{expires_on}__lte": today + datetime.timedelta(days=days)}, then=Value(days))
            for days in thresholds
        ),
        output_field=PositiveSmallIntegerField(),
    )


def due_for_reminder(today: datetime.date) -> ServiceQuerySet:
    """Renewable services expiring after today and within the farthest threshold, whose nearest
    threshold (annotated as reminder_days) has not been reminded for this term. The window is a
    range on the indexed expires_on, the "not yet" one anti-join on the reminders of the same
    window (indexed on expires_on): the cost follows the services in the window, not all of them
    nor every reminder ever sent."""
    thresholds = reminder_thresholds()
    if not thresholds:
        return Service.objects.none()
    window = {
        "expires_on__gt": today,
        "expires_on__lte": today + datetime.timedelta(days=thresholds[-1]),
    }
    nearest = _nearest_threshold_in_sql("expires_on", today, thresholds)
    reminded = ServiceReminder.objects.filter(
        service=OuterRef("pk"), expires_on=OuterRef("expires_on"), days_before=OuterRef("reminder_days"), **window
    )
    return (
        Service.objects.filter(status__in=RENEWABLE, **window).annotate(reminder_days=nearest).filter(~Exists(reminded))
    )


REMINDER_BATCH = 200  # reminders claimed and queued in one transaction


def reminders_due(today: datetime.date) -> list[int]:
    """The services due for a reminder today, read once per run: one scan of the window, then
    they are claimed by their keys, a batch at a time (handle_reminders), not by scanning the
    window again."""
    return list(due_for_reminder(today).order_by("expires_on", "pk").values_list("pk", flat=True))


def _reminder_of(service: Service, today: datetime.date) -> ServiceReminder:
    """The reminder row that today's reminder of `service` claims (not saved)."""
    expires_on = service.expires_on
    days_before = nearest_threshold(reminder_thresholds(), (expires_on - today).days) if expires_on else None
    if expires_on is None or days_before is None:  # the query and the rule disagree: never mail on a guess
        raise ValueError(f"no reminder threshold for expiry {service.expires_on} on {today}")
    return ServiceReminder(service=service, expires_on=expires_on, days_before=days_before, sent_at=clock.now())


def handle_reminders(service_ids: list[int], today: datetime.date) -> tuple[int, list[StepFailed]]:
    """Claims the reminders of a batch of services and queues their mails, in one transaction:
    (how many queued, the failures of the services whose reminder raised, rolled back alone).

    The fast way, for a batch nobody else touched: the services still due are locked in one
    query, each one's mail is queued (a savepoint each, so that one that raises leaves the others),
    and the reminders' rows are inserted in one statement. If that insert meets the unique
    constraint (another run reached some of them first, having read them as due before this one
    committed), everything queued for the batch is rolled back and its services go one by one
    (handle_one_reminder), where the constraint decides for each. The guarantees are
    handle_one_reminder's: rows and mail tasks commit together."""
    failures: list[StepFailed] = []
    with transaction.atomic():
        services = list(
            due_for_reminder(today).filter(pk__in=service_ids).select_for_update(skip_locked=True).order_by("pk")
        )
        try:
            with transaction.atomic():
                reminders = [_queue_reminder(service, today, failures) for service in services]
                ServiceReminder.objects.bulk_create([reminder for reminder in reminders if reminder is not None])
        except IntegrityError:
            failures = []
        else:
            return len(services) - len(failures), failures
    sent = 0
    for service_id in service_ids:
        try:
            sent += handle_one_reminder(service_id, today)
        except StepFailed as failure:
            failures.append(failure)
    return sent, failures


def _queue_reminder(service: Service, today: datetime.date, failures: list[StepFailed]) -> ServiceReminder | None:
    try:
        with transaction.atomic(), _about(service.pk):
            reminder = _reminder_of(service, today)
            mails.expiry_reminder(service=service, days_before=reminder.days_before)
    except StepFailed as failure:
        failures.append(failure)
        return None
    return reminder


def handle_one_reminder(service_id: int, today: datetime.date) -> bool:
    """Claims the reminder of one service and queues its mail in the same transaction: True when
    queued, False when the service is no longer due (reminded meanwhile, renewed) or another run
    holds it.

    Guarantee: the reminder's row is inserted first; a second run (or a repeated one) that reaches
    the same service, term and threshold, even one that read it as due before the first
    committed, hits the unique constraint (IntegrityError: already done, nothing queued). The mail
    is queued by notifications.mails.expiry_reminder: with django-tasks-db's database backend (the
    project's) the task's row is written in this very transaction, so the reminder's row and its
    mail task commit or roll back together: each reminder is queued exactly once, and a crash
    before the commit leaves it due for the next run. With another backend it is queued on commit:
    a crash between the commit and the queueing loses that one reminder (at most once). The worker
    then sends it at most once (django-tasks does not retry a task)."""
    with transaction.atomic():
        due = due_for_reminder(today).filter(pk=service_id)
        service = due.select_for_update(skip_locked=True).first()
        if service is None:
            return False
        with _about(service.pk):
            reminder = _reminder_of(service, today)
            try:
                with transaction.atomic():
                    reminder.save(force_insert=True)
            except IntegrityError:
                return False
            mails.expiry_reminder(service=service, days_before=reminder.days_before)
        return True


# Retries of a declined automatic renewal charge. The same rule as the reminders: on a given day an
# automatic renewal order still waiting, whose charge was declined (the order keeps the provider's
# last_payment_error) or whose customer has no saved card, is due for the nearest threshold at or
# above its service's days left (LIFECYCLE_RETRY_DAYS) if that threshold has no row yet for the
# order. A service renewed meanwhile has no order waiting (or a later expiry): nothing is tried.


def due_for_retry(today: datetime.date) -> "QuerySet[Order]":
    """Automatic renewal orders placed before today, still waiting, declined or with no card to
    charge, whose service expires from today to the farthest threshold and whose nearest threshold
    (annotated as retry_days) has not been tried. The window is a range on the services' indexed
    expires_on, so the cost follows what is due."""
    thresholds = retry_thresholds()
    if not thresholds:
        return Order.objects.none()
    nearest = _nearest_threshold_in_sql("service__expires_on", today, thresholds)
    tried = RenewalRetry.objects.filter(order=OuterRef("pk"), days_before=OuterRef("retry_days"))
    no_card = ~Exists(SavedCard.objects.filter(customer_id=OuterRef("customer_id")))
    return (
        Order.objects.filter(
            kind=Order.Kind.RENEWAL,
            status=Order.Status.AWAITING_PAYMENT,
            service__auto_renew=True,
            service__status__in=RENEWABLE,
            service__expires_on__gte=today,
            service__expires_on__lte=today + datetime.timedelta(days=thresholds[-1]),
            created_at__lt=timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)),
        )
        .filter(~Q(last_payment_error="") | no_card)
        .exclude(payment_method=Order.PaymentMethod.TRANSFER)  # the customer chose to pay by transfer
        .annotate(retry_days=nearest)
        .filter(~Exists(tried))
    )


def retries_due(today: datetime.date) -> list[tuple[int, int | None]]:
    """(order, service) of the retries due today, read once per run (the Servizi da lavorare list
    reads the same queryset)."""
    return list(due_for_retry(today).order_by("service__expires_on", "pk").values_list("pk", "service_id"))


def handle_one_retry(order_id: int, today: datetime.date) -> bool:
    """Claims one retry and, in the same transaction, queues the new charge on the card saved now,
    or, with no card, tells the customer that the order waits: True when claimed, False when the
    order is no longer due (paid, tried meanwhile) or another run holds it.

    Guarantee: the retry's row is inserted first and is unique per (order, threshold): a second
    run hits the constraint and queues nothing. With django-tasks-db's database backend the
    charge's task row is written in this very transaction (exactly once: a crash before the commit
    leaves the retry due); with another backend it is queued on commit (at most once). The charge
    is keyed on (order, threshold) at the provider, so a task run twice charges once. The "no card"
    mail is queued on commit like every order mail: at most once."""
    with transaction.atomic():
        order = due_for_retry(today).filter(pk=order_id).select_for_update(skip_locked=True, of=("self",)).first()
        if order is None:
            return False
        with _about(order.service_id, order.pk):
            expires_on = order.service.expires_on if order.service else None
            days_before = nearest_threshold(retry_thresholds(), (expires_on - today).days) if expires_on else None
            if days_before is None:  # the query and the rule disagree: never charge on a guess
                raise ValueError(f"no retry threshold for order {order.pk} on {today}")
            card_saved = SavedCard.objects.filter(customer_id=order.customer_id).exists()
            try:
                with transaction.atomic():
                    RenewalRetry.objects.create(
                        order=order, days_before=days_before, card_saved=card_saved, tried_at=clock.now()
                    )
            except IntegrityError:
                return False
            if not card_saved:
                reason = _(
                    "il rinnovo automatico non ha potuto essere addebitato: nessuna carta salvata. "
                    "Paga dall'Area Clienti o salva una carta"
                )
                mails.payment_failed(order=order, reason=reason)
            elif isinstance(retry_renewal_charge.get_backend(), DatabaseBackend):
                retry_renewal_charge.enqueue(order.pk, days_before)
            else:
                order_pk = order.pk
                transaction.on_commit(lambda: retry_renewal_charge.enqueue(order_pk, days_before))
        return True
