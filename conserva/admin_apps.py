from django.contrib.admin.apps import AdminConfig


class ConservaAdminConfig(AdminConfig):
    """The admin with Conserva's site (conserva/admin_site.py), on which every app registers."""

    default_site = "conserva.admin_site.ConservaAdminSite"
