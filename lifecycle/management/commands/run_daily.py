import logging
import time

from django.core.management.base import BaseCommand

from lib import clock
from lifecycle.management.commands.update_services import summary
from lifecycle.services import daily_run

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Runs the daily run now and then again every --every seconds (one hour by default) until "
        "stopped: a stand-in for cron where there is none (make demo). Running it more often than "
        "daily is harmless: a step done for a service is not done again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=3600, help="seconds between two runs")

    def handle(self, *args, every: int, **options):
        while True:
            run = daily_run(clock.today())  # a crash is recorded in the run; the loop goes on
            self.stdout.write(summary(run), ending="\n")
            self.stdout.flush()
            time.sleep(every)
