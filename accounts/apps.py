from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Clienti")

    def ready(self) -> None:
        # Connects the sign-in signals to the audit trail's security events.
        from accounts import revisions, security_events  # noqa: F401

        revisions.follow_changes()
