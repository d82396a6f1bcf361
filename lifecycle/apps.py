from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    """Time moving every service along: the daily run that expires, suspends and renews services.
    It sits on top of subscriptions, orders and payments, and calls each through its services."""

    name = "lifecycle"
    verbose_name = _("Ciclo di vita dei servizi")
