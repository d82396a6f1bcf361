import importlib

import pytest

from archive.models import DocumentClass
from archive.services import deposit_submit
from tests import cast
from tests.archive import files

CLASSES = importlib.import_module("archive.migrations.0002_document_classes")
POLICIES = importlib.import_module("archive.migrations.0006_class_policies")


@pytest.fixture(autouse=True)
def _archive_in_a_temporary_folder(settings, tmp_path):
    settings.ARCHIVE_STORAGE_ROOT = tmp_path / "archive"


@pytest.fixture
def document_classes(db):
    """The classes the data migration made; a transactional test's flush removes them, so made again."""
    if not DocumentClass.objects.exists():
        CLASSES.create(django_apps(), None)
        POLICIES.configure(django_apps(), None)
    return {document_class.code: document_class for document_class in DocumentClass.objects.all()}


def django_apps():
    from django.apps import apps

    return apps


@pytest.fixture
def service(rossi, plan, today, document_classes):
    return cast.active_service(rossi, plan, activated_on=today)


@pytest.fixture
def bianchi_service(bianchi, plan, today, document_classes):
    return cast.active_service(bianchi, plan, activated_on=today)


def generic(subject_matter="Verbale di riunione", date="2026-03-01", **more):
    """Metadata for a documento generico."""
    return {"oggetto": subject_matter, "data": date, **more}


def deposit(service, uploads, *, document_class="documento-generico", metadata=None, sheet=None, actor=None):
    """Deposits `uploads` ({name: bytes}); without metadata nor sheet, each file but a ZIP gets a
    documento generico's."""
    if metadata is None and document_class == "documento-generico" and sheet is None:
        metadata = {name: generic() for name in uploads if not name.endswith(".zip")}
    return deposit_submit(
        service_id=service.pk,
        document_class_code=document_class,
        files=[files.upload(name, data) for name, data in uploads.items()],
        metadata=metadata,
        sheet=sheet,
        actor=actor or service.customer.user,
    )
