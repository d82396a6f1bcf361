from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Ordini")

    def ready(self):
        # Models are loaded only now: the handlers import the events, which import the models.
        from orders import handlers

        handlers.subscribe_all()
