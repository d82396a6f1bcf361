from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Fatturazione")

    def ready(self) -> None:
        from billing import checks  # noqa: F401  (registers the start-up checks of the invoice settings)
