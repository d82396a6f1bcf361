from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = _("Pannello di conservazione")

    def ready(self) -> None:
        from accounts.backends import AccountBackend

        # panel.access reads it on every panel page: a panel login's service, or none.
        AccountBackend.loads_with("panel_account")
