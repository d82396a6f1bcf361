from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Pagamenti")

    def ready(self):
        # Models are loaded only now: the handlers import the events, which import the models.
        from payments import handlers

        handlers.subscribe_all()
