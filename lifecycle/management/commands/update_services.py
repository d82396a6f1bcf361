from django.core.management.base import BaseCommand

from lib import clock
from lifecycle.periodic import (
    charge_automatic_renewals,
    handle_one_auto_renewal,
    handle_one_expiry,
    handle_one_suspension,
)


class Command(BaseCommand):
    help = (
        "Daily: expires and suspends services past their dates, places automatic renewal orders "
        "and has them charged to the saved card."
    )

    def handle(self, *args, **options):
        today = clock.today()
        expired = self._repeat(lambda: handle_one_expiry(today))
        suspended = self._repeat(lambda: handle_one_suspension(today))
        skip: set[int] = set()
        renewals = self._repeat(lambda: handle_one_auto_renewal(today, skip)) - len(skip)
        charges, refused = charge_automatic_renewals(today)
        self.stdout.write(
            f"{today}: {expired} expired, {suspended} suspended, {renewals} renewal orders placed, "
            f"{charges} automatic renewal charges asked of the provider ({refused} could not be asked)."
        )

    @staticmethod
    def _repeat(handle_one) -> int:
        count = 0
        while handle_one():
            count += 1
        return count
