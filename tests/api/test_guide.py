"""docs/api.md's examples, run as written (bash, curl, jq) against a live server: the guide cannot
drift from the API."""

import re
import shutil
import subprocess  # nosec B404
from pathlib import Path

import pytest

from tests.api.conftest import new_key

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
pytestmark = pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")


def examples() -> list[str]:
    """The guide's shell blocks, but the first, which only says where to put the address and key."""
    return re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)[1:]


def run_examples(live_server, secret, folder) -> list[str]:
    script = "set -euo pipefail\n" + "".join(f"{block}echo '=== end of example'\n" for block in examples())
    done = subprocess.run(  # noqa: S603  # nosec B603
        ["/bin/bash", "-c", script],
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "CONSERVA_URL": live_server.url, "CONSERVA_KEY": secret},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split("=== end of example\n")


@pytest.mark.django_db(transaction=True)
def test_every_example_of_the_guide_works_as_written(live_server, service, tmp_path):
    outputs = run_examples(live_server, new_key(service), tmp_path)
    service_state, classes, deposited, read_again, listed, receipt, found, downloaded, problem, _rest = outputs
    assert '"status": "ATTIVO"' in service_state
    assert (
        "fattura-attiva: identificativo, data, soggetti" in classes and "documento-generico: data, oggetto" in classes
    )
    assert deposited.strip() == "ACCETTATO" and read_again.strip() == "ACCETTATO"
    assert len(listed.split()) == 1
    assert receipt.startswith("<?xml")
    assert "verbale.pdf" in found
    assert re.search(r'(?im)^etag: "[0-9a-f]{64}"', downloaded) and "repr-digest: sha-256=:" in downloaded.lower()
    assert downloaded.rstrip().endswith("%PDF")
    assert problem.strip() == "not_found"
    assert (tmp_path / "documento.pdf").read_bytes() == (tmp_path / "verbale.pdf").read_bytes()
