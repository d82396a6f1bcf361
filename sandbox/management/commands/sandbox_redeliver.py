import time

from django.core.management.base import BaseCommand

from sandbox import outbox
from sandbox.models import Notification


class Command(BaseCommand):
    help = (
        "The sandbox gateway's retries: sends again every notification Conserva has not accepted yet "
        "(with --all, every one: each counts once, so nothing changes twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="send again also those already accepted")
        parser.add_argument("--every", type=int, default=0, help="run again every so many seconds (make serve)")

    def handle(self, *args, all=False, every=0, **options):  # noqa: A002 - the option's name
        while True:
            self._send(all)
            if not every:
                return
            time.sleep(every)

    def _send(self, all: bool) -> None:  # noqa: A002 - the option's name
        notifications = Notification.objects.order_by("pk") if all else outbox.undelivered()
        sent = 0
        for notification_id in notifications.values_list("pk", flat=True):
            answer = outbox.deliver(notification_id)
            self.stdout.write(f"{notification_id}: {answer}")
            sent += 1
        self.stdout.write(self.style.SUCCESS(f"{sent} notification(s) sent."))
