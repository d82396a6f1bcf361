from django.core.management.base import BaseCommand

from lib import clock
from lifecycle.periodic import handle_one_auto_renewal, handle_one_expiry, handle_one_suspension
from payments.renewals import automatic_renewals_to_charge
from payments.services import renewal_charge


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
        charges = 0
        for order_id in automatic_renewals_to_charge(today):
            renewal_charge(order_id=order_id)
            charges += 1
        self.stdout.write(
            f"{today}: {expired} expired, {suspended} suspended, {renewals} renewal orders placed, "
            f"{charges} automatic renewal charges asked of the provider."
        )

    @staticmethod
    def _repeat(handle_one) -> int:
        count = 0
        while handle_one():
            count += 1
        return count
