"""The one place that reads the clock: tests move it (time-machine), code calls these."""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()


def today() -> datetime.date:
    """The provider's local date (TIME_ZONE, Europe/Rome)."""
    return timezone.localdate(now())
