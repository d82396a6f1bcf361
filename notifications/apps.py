from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Comunicazioni ai clienti")

    def ready(self):
        # Models are loaded only now: the handlers import the events, which import the models.
        from notifications import handlers

        handlers.subscribe_all()
