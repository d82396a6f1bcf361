import time

from django.core.management.base import BaseCommand

from api.webhooks import due_deliveries, webhook_deliver


class Command(BaseCommand):
    help = "Sends the webhook deliveries that are due (a first call that failed, with a doubling delay)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="run again every so many seconds (make serve)")

    def handle(self, *args, every=0, **options):
        while True:
            sent = 0
            for delivery_id in due_deliveries():
                self.stdout.write(f"{delivery_id}: {webhook_deliver(delivery_id)}")
                sent += 1
            self.stdout.write(self.style.SUCCESS(f"{sent} webhook delivery(ies) sent."))
            if not every:
                return
            time.sleep(every)
