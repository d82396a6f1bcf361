"""The production server on loopback, as `manage.py serve` starts it, for the benchmarks that load it."""

import os
import socket
import subprocess  # nosec B404
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, work: Path, *, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn in production settings (plus `env`), its static files collected into `work`, its
    log there too (a line per request: not the benchmark's output); back once /salute/ answers."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CONSERVA_DEBUG")}
    environment.update(
        {
            "CONSERVA_PRODUCTION": "1",
            "CONSERVA_ALLOWED_HOSTS": "127.0.0.1",
            "CONSERVA_SITE_URL": f"https://127.0.0.1:{port}",
            "CONSERVA_EMAIL_HOST": "127.0.0.1",
            "CONSERVA_STATIC_ROOT": str(work / "static"),
            "CONSERVA_DB_CONN_MAX_AGE": "600",
            "CONSERVA_LOG_LEVEL": "WARNING",
            **env,
        }
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=environment, check=True
    )
    command = [sys.executable, "-m", "gunicorn", "conserva.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)]
    command += ["--forwarded-allow-ips", "127.0.0.1"]
    log = (work / "server.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603  # nosec B603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/salute/")
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")
