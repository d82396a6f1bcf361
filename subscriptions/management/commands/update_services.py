from django.core.management.base import BaseCommand

from lib import clock
from subscriptions.periodic import handle_one_auto_renewal, handle_one_expiry, handle_one_suspension


class Command(BaseCommand):
    help = "Daily: expires and suspends services past their dates, places automatic renewal orders."

    def handle(self, *args, **options):
        today = clock.today()
        expired = self._repeat(lambda: handle_one_expiry(today))
        suspended = self._repeat(lambda: handle_one_suspension(today))
        skip: set[int] = set()
        renewals = self._repeat(lambda: handle_one_auto_renewal(today, skip)) - len(skip)
        self.stdout.write(f"{today}: {expired} expired, {suspended} suspended, {renewals} renewal orders placed.")

    @staticmethod
    def _repeat(handle_one) -> int:
        count = 0
        while handle_one():
            count += 1
        return count
