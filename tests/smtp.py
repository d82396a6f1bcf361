"""A real SMTP server on loopback (aiosmtpd): mail tests go through smtplib and count what a
server received, not only Django's outbox. The `inbox` fixture (tests/conftest.py) starts it."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [message["Subject"] for _to, message in self.messages]

    def find(self, subject_part: str):
        return next(message for _to, message in self.messages if subject_part in message["Subject"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(settings):
    """Starts a server and points Django's SMTP backend at it: yields its Inbox, then stops it."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield handler
    controller.stop()
