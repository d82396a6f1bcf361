from django.apps import AppConfig
from django.db.models.signals import post_migrate

OTP_APPS = ["otp_totp", "otp_static"]  # django-otp's devices: secrets, and codes that sign anyone in


def administrators_hold_every_permission(app_config: AppConfig, using: str, **kwargs) -> None:
    """After each migrate, the Amministrazione role gains the permissions of models added since
    its migration (conserva/migrations/0001_operator_roles.py), so that no later app has to; never
    those of django-otp's devices, which it loses if it had them."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate comes once per app: the last app's, after every permission has been created.
    if app_config is not list(apps.get_app_configs())[-1]:
        return

    group = Group.objects.using(using).filter(name="Amministrazione").first()
    if group is not None:
        permissions = Permission.objects.using(using)
        group.permissions.add(*permissions.exclude(content_type__app_label__in=OTP_APPS))
        group.permissions.remove(*permissions.filter(content_type__app_label__in=OTP_APPS))


class ConservaConfig(AppConfig):
    """The project itself: its template tags and management commands shared by every app, and the
    operators' roles."""

    name = "conserva"
    verbose_name = "Conserva"

    def ready(self) -> None:
        from conserva import task_logs

        post_migrate.connect(administrators_hold_every_permission, dispatch_uid="conserva.administrators")
        task_logs.connect()
