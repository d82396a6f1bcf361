import time

from django.core.management.base import BaseCommand

from api.housekeeping import api_prune
from api.webhooks import due_deliveries, webhook_deliver

PRUNE_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = (
        "Sends the webhook deliveries that are due (a first call that failed, with a doubling delay), "
        "and, once an hour, deletes the API's rows no longer needed (api/housekeeping.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="run again every so many seconds (make serve)")

    def handle(self, *args, every=0, **options):
        pruned_at = 0.0
        while True:
            if not pruned_at or time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                self.stdout.write(f"Pruned: {api_prune()}")
                pruned_at = time.monotonic()
            sent = 0
            for delivery_id in due_deliveries():
                self.stdout.write(f"{delivery_id}: {webhook_deliver(delivery_id)}")
                sent += 1
            self.stdout.write(self.style.SUCCESS(f"{sent} webhook delivery(ies) sent."))
            if not every:
                return
            time.sleep(every)
