from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A payment gateway's test mode, simulated inside the app: Conserva talks to it only through
    the sandbox provider (payments/providers/sandbox.py), as it would to a real gateway."""

    name = "sandbox"
    verbose_name = "Sandbox Pay"
