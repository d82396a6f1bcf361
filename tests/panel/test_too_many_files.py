"""A request carrying more files than Django reads (100) is refused in words, and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Deposit
from tests.panel.conftest import panel_url

pytestmark = pytest.mark.django_db


def test_it_says_a_large_batch_goes_as_one_zip(panel, service):
    uploads = [SimpleUploadedFile(f"doc-{n}.txt", b"verbale") for n in range(101)]
    response = panel.post(panel_url("deposit", service), {"document_class": "documento-generico", "files": uploads})

    assert response.status_code == 400
    assert "un unico file ZIP" in response.content.decode()
    assert not Deposit.objects.exists()
