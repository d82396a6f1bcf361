"""The tests' clock: a day at a fixed hour (UTC), frozen, for the code that reads lib.clock."""

import datetime

import time_machine


def at(day: datetime.date, hour: int = 3):
    """03:00 UTC is 04:00 or 05:00 in Rome: the same local date, when a daily run would start."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=datetime.UTC), tick=False
    )
