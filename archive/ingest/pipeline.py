"""Ingest: a package's files through the same stages, in order, each stage over every file before
the next (so that a detached signature finds its document already identified):

    receive     the bytes streamed once to staging, hashed and counted (archive.ingest.receive)
    identify    what the content is, by PRONOM signatures, libmagic for the rest (archive.ingest.identify)
    signatures  every signature verified; a signed file's document opened (archive.ingest.signed)
    read        what the content says of itself: a FatturaPA, a PDF (archive.ingest.read)
    check       the class's rules over it: schema validity, PDF/A (archive.ingest.check)
    describe    the metadata it is kept with (archive.ingest.describe)

Each stage adds what it learned to the file (archive.ingest.staged.StagedFile), with its findings;
a file with an error goes no further. Nothing here writes to the database: archive.services keeps
what was accepted.
"""

from collections import Counter
from collections.abc import Callable, Mapping

from django.utils.translation import gettext_lazy

from archive.errors import ArchiveError, Problem
from archive.ingest import check, describe, findings, identify, read, signed
from archive.ingest.receive import receive
from archive.ingest.staged import Context, Rules, StagedFile
from archive.ingest.unpack import Package
from archive.storage import BlobStorage

SAME_NAME = "package.same_name"
SAME_CONTENT = "package.same_content"
findings.register(
    {
        SAME_NAME: gettext_lazy("Due file del versamento hanno lo stesso nome."),
        SAME_CONTENT: gettext_lazy("Ha lo stesso contenuto di «%(name)s»: il file è due volte nel versamento."),
    }
)
Stage = Callable[[StagedFile, Context], None]
STAGES: tuple[Stage, ...] = (identify.run, signed.run, read.run, check.run, describe.run)


def ingest_package(
    package: Package,
    given: Mapping[str, Mapping[str, object]],
    rules: Rules,
    storage: BlobStorage,
    received: list[StagedFile],
) -> list[Problem]:
    """Runs every file of `package` through the stages, appending each received file to `received`
    (the caller discards what is staged there, kept or not); gives every refusal at once, so that
    the customer learns all of them from one attempt."""
    problems = _same_names([item.name for item in package.items])
    for item in package.items:
        try:
            received.append(receive(item, storage))
        except ArchiveError as error:
            problems.append(Problem(item.name, str(error)))
    context = Context(rules, {file.name: file for file in received}, given)
    for stage in STAGES:
        for file in received:
            if not file.refused:
                stage(file, context)
    refused = [Problem.of(file.name, finding) for file in received for finding in file.findings if finding.is_error]
    return problems + refused + _same_contents(received)


def _same_names(names: list[str]) -> list[Problem]:
    return [Problem.of(name, findings.error(SAME_NAME)) for name, count in Counter(names).items() if count > 1]


def _same_contents(received: list[StagedFile]) -> list[Problem]:
    first: dict[str, str] = {}
    problems = []
    for file in received:
        if file.sha256 in first:
            problems.append(Problem.of(file.name, findings.error(SAME_CONTENT, name=first[file.sha256])))
        first.setdefault(file.sha256, file.name)
    return problems
