from django.apps import AppConfig


class ConservaConfig(AppConfig):
    """The project itself: its template tags and management commands shared by every app."""

    name = "conserva"
    verbose_name = "Conserva"
