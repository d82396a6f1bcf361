from django.contrib.admin.apps import AdminConfig


class ConservaAdminConfig(AdminConfig):
    """The admin with Conserva's site (conserva/admin_site.py), on which every app registers."""

    default_site = "conserva.admin_site.ConservaAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin.py, django-otp's plugins' included
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice  # type: ignore[import-untyped,unused-ignore]
        from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped,unused-ignore]

        # django-otp's own pages show each user's secret and let an operator add recovery codes to
        # anyone: no operator uses them. A lost phone is reset from the user's page (accounts/admin.py).
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
