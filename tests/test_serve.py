"""make serve, started as a provider would on a fresh machine: it refuses a missing setting in
words, and with the settings it migrates, collects the static files, starts gunicorn, the worker
and the daily run, says when /salute/ answers 200, serves pages and static files, and stops them
all on SIGTERM. On its own SQLite file in a temporary folder, whatever database the suite uses."""

import json
import os
import signal
import socket
import subprocess  # nosec B404
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="gunicorn runs on Unix")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CONSERVA_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "conserva.settings",
            "CONSERVA_PRODUCTION": "1",
            "CONSERVA_SECRET_KEY": "k3y-" + "x9Yz" * 14,
            "CONSERVA_ALLOWED_HOSTS": "127.0.0.1",
            "CONSERVA_SITE_URL": "https://area.conserva.example",
            "CONSERVA_EMAIL_HOST": "127.0.0.1",
            "CONSERVA_EMAIL_PORT": str(free_port()),  # nothing sends mail in this test
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
            "CONSERVA_VAR_DIR": str(tmp_path / "var"),
            "CONSERVA_STATIC_ROOT": str(tmp_path / "static"),
            "CONSERVA_ARCHIVE_ROOT": str(tmp_path / "archive"),
            "CONSERVA_BIND": f"127.0.0.1:{port}",
            "CONSERVA_WEB_WORKERS": "1",
            "CONSERVA_WEB_THREADS": "2",
        }
    )
    return env


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is the answer looked at


def get(url: str, **headers) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=10) as response:  # nosec B310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_a_missing_setting_is_refused_in_words(tmp_path):
    env = production_env(tmp_path, free_port())
    del env["CONSERVA_SECRET_KEY"], env["DATABASE_URL"]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Conserva cannot start in production:" in done.stderr
    assert "CONSERVA_SECRET_KEY" in done.stderr and "DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_starts_everything_answers_healthy_and_stops_on_sigterm(tmp_path):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=production_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                break
            output.append(line)
            if "Conserva is up" in line:
                break
        assert any("Conserva is up" in line for line in output), "".join(output)

        base = f"http://127.0.0.1:{port}"
        status, body, _headers = get(f"{base}/salute/")
        assert status == 200, body
        assert set(json.loads(body)["parts"]) == {"database", "storage", "task_queue", "daily_run"}
        behind_tls = {"X-Forwarded-Proto": "https"}
        status, page, headers = get(f"{base}/account/accedi/", **behind_tls)
        assert status == 200 and b"Accedi all'Area Clienti" in page and headers["X-Request-ID"]
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        status, css, headers = get(f"{base}/static/css/conserva.css", **behind_tls)
        assert status == 200 and css and "max-age" in headers.get("Cache-Control", "")  # WhiteNoise
        assert get(f"{base}/account/accedi/")[0] == 301  # plain HTTP goes to HTTPS
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, "".join(output) + server.stdout.read()
