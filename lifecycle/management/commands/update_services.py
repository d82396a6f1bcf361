from django.core.management.base import BaseCommand, CommandError

from lib import clock
from lifecycle.models import DailyRun
from lifecycle.services import daily_run


class Command(BaseCommand):
    help = (
        "Daily: expires and suspends services past their dates, places automatic renewal orders "
        "and has them charged to the saved card, mails the reminders before expiry. Records the run "
        "(admin: Esecuzioni giornaliere) "
        "and exits with an error when a service had an error or the run crashed."
    )

    def handle(self, *args, **options):
        run = daily_run(clock.today())
        self.stdout.write(summary(run))
        if run.outcome != DailyRun.Outcome.SUCCEEDED:
            raise CommandError(f"daily run {run.pk} {run.get_outcome_display()}: see the admin for the errors.")


def summary(run: DailyRun) -> str:
    errors = run.errors.count()
    return (
        f"{run.business_day}: {run.expired} expired, {run.suspended} suspended, "
        f"{run.renewal_orders_placed} renewal orders placed, {run.charges_asked} automatic renewal "
        f"charges asked of the provider ({run.charges_refused} could not be asked), {run.reminders} "
        f"expiry reminders; {errors} errors."
    )
