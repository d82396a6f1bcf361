"""make serve: Conserva as in production on one machine. It checks the configuration (Django's
deploy checks included), migrates, collects the static files, then starts and watches

- gunicorn with WhiteNoise serving the static files (CONSERVA_BIND, CONSERVA_WEB_WORKERS,
  CONSERVA_WEB_THREADS), threaded workers, so a long upload or an archive's download is not killed;
- the task worker (db_worker): mails, charges, statement imports;
- the daily run (run_daily, every CONSERVA_DAILY_RUN_EVERY_SECONDS; running it more often than
  daily is harmless);
- the API's webhook retries (api_webhooks, every 30 seconds);
- the sandbox's redelivery, when the sandbox gateway is on;

and waits until GET /salute/ answers 200, printing the failing parts while it does not. If one
of them stops, it stops the others and exits with an error; Ctrl-C or SIGTERM stops them all.
On several machines, run the same command on each web machine, or start the parts by hand
(README, "Several machines").
"""

import ipaddress
import json
import os
import signal
import subprocess  # nosec B404
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STARTUP_SECONDS = 90


class Command(BaseCommand):
    help = "Runs Conserva as in production: gunicorn + WhiteNoise, the task worker and the daily run."

    def add_arguments(self, parser):
        parser.add_argument("--no-wait", action="store_true", help="do not wait for /salute/ to answer 200")

    def handle(self, *args: Any, no_wait: bool, **options: Any) -> None:
        if not settings.PRODUCTION:
            raise CommandError("make serve runs with CONSERVA_PRODUCTION=1: see deploy/conserva.env.example.")
        call_command("check", deploy=True, fail_level="WARNING")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        children = self._start()
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            if not no_wait:
                self._wait_healthy(children)
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        raise CommandError(f"{name} stopped (exit {child.returncode}): stopping the others.")
                time.sleep(1)
        finally:
            self._stop(children)

    def _start(self) -> dict[str, subprocess.Popen]:
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "conserva.wsgi:application",
                "--bind",
                settings.SERVE_BIND,
                "--workers",
                str(settings.SERVE_WEB_WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(settings.SERVE_WEB_THREADS),
                "--graceful-timeout",
                "30",
                "--forwarded-allow-ips",
                settings.SERVE_FORWARDED_ALLOW_IPS,
            ],
            "worker": [*manage, "db_worker", "--no-reload"],
            "daily run": [*manage, "run_daily", "--every", str(settings.SERVE_DAILY_RUN_EVERY_SECONDS)],
            "webhook retries": [*manage, "api_webhooks", "--every", "30"],
        }
        if settings.SANDBOX_PAYMENTS:
            commands["sandbox redelivery"] = [*manage, "sandbox_redeliver", "--every", "60"]
        children = {}
        for name, command in commands.items():
            self.stdout.write(f"Starting {name}: {' '.join(command[1:])}")
            children[name] = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603  # nosec B603
        return children

    def _wait_healthy(self, children: dict[str, subprocess.Popen]) -> None:
        url = f"http://{_reachable(settings.SERVE_BIND)}/salute/"
        deadline = time.monotonic() + STARTUP_SECONDS
        last = ""
        while time.monotonic() < deadline:
            for name, child in children.items():
                if child.poll() is not None:
                    raise CommandError(f"{name} stopped while starting (exit {child.returncode}).")
            status, body = _get(url)
            if status == 200:
                self.stdout.write(self.style.SUCCESS(f"Conserva is up: {url} answers 200."))
                return
            failing = ", ".join(body.get("failing", [])) or body.get("error", "")
            if failing != last:
                self.stdout.write(f"Waiting for {url}: {status or 'no answer'} {failing}")
                last = failing
            time.sleep(1)
        raise CommandError(f"{url} did not answer 200 within {STARTUP_SECONDS} s (last: {last or 'no answer'}).")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=35)
            except subprocess.TimeoutExpired:
                child.kill()


def _reachable(bind: str) -> str:
    """host:port to ask on this machine: a server bound to every interface is asked on loopback."""
    host, port = bind.rsplit(":", 1)
    try:
        unspecified = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:  # a name, such as localhost
        unspecified = False
    return f"127.0.0.1:{port}" if unspecified or not host else f"{host}:{port}"


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # nosec B310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}
    except (OSError, ValueError) as error:
        return 0, {"error": str(error)}
