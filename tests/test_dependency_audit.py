"""The dependency audit (make audit): it fails on a vulnerable pin, and whenever it could not give a
real answer; it passes only a set it actually checked. No network: small fixture lists."""

import datetime
import json
import os
import subprocess

import pytest
import time_machine

from security import audit_dependencies, refresh_advisories
from security.audit_dependencies import MAX_AGE_DAYS, main

SNAPSHOT = datetime.date(2026, 3, 1)
TODAY = SNAPSHOT + datetime.timedelta(days=10)

DJANGO_SQL_INJECTION = {
    "id": "PYSEC-2024-70",
    "aliases": ["CVE-2024-42005"],
    "summary": "SQL injection in QuerySet.values() column aliases.",
    "modified": "2024-08-07",
    "affected": [
        {
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    # As in the database: not in version order.
                    "events": [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
                }
            ],
            "versions": [],
        }
    ],
}
LXML_LISTED = {
    "id": "PYSEC-2020-62",
    "aliases": [],
    "summary": "Listed versions only.",
    "modified": "2020-01-01",
    "affected": [{"ranges": [], "versions": ["4.6.1", "4.6.2"]}],
}
SQLPARSE_UNFIXED = {
    "id": "GHSA-test-last",
    "aliases": [],
    "summary": "Affected up to and including 0.4.4, no fix named.",
    "modified": "2024-01-01",
    "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "0.4.4"}]}]}],
}


@pytest.fixture
def files(tmp_path):
    """A lock file, an advisory list and an empty ignore list, written by the test through `write`."""

    class Files:
        lock = tmp_path / "requirements.txt"
        advisories = tmp_path / "advisories.json"
        ignored = tmp_path / "ignored.toml"

        def write(self, pins, packages=None, ignored="", snapshot=SNAPSHOT):
            lines = [f"{pin} \\\n    --hash=sha256:{'0' * 64}\n    # via -r requirements.in" for pin in pins]
            self.lock.write_text("# compiled\n" + "\n".join(lines) + "\n")
            if packages is None:
                packages = {"django": [DJANGO_SQL_INJECTION], "lxml": [LXML_LISTED], "sqlparse": [SQLPARSE_UNFIXED]}
            document = {"source": "fixture", "commit": "abc123", "snapshot_date": snapshot.isoformat()}
            self.advisories.write_text(json.dumps({**document, "packages": packages}))
            self.ignored.write_text(ignored)

        def run(self, today=TODAY):
            arguments = ["--lock", str(self.lock), "--advisories", str(self.advisories), "--ignored", str(self.ignored)]
            return main([*arguments, "--today", today.isoformat()] if today else arguments)

    return Files()


def test_it_passes_a_clean_set_and_says_what_it_checked(files, capsys):
    files.write(["django==5.0.8", "lxml==6.1.3", "sqlparse==0.5.0"])

    assert files.run() == 0
    out = capsys.readouterr().out
    assert "Audited 3 pinned packages against 3 advisories" in out
    assert "snapshot of 2026-03-01" in out
    assert "No pinned version is affected." in out


@pytest.mark.parametrize("version", ["4.2.14", "5.0", "5.0.7"])
def test_it_fails_on_a_pin_inside_a_range_naming_the_advisory_and_the_fixed_version(files, capsys, version):
    files.write([f"Django=={version}", "lxml==6.1.3", "sqlparse==0.5.0"])

    assert files.run() == 1
    out = capsys.readouterr().out
    assert "DEPENDENCY AUDIT FAILED: 1 vulnerable pins" in out
    assert f"django=={version}: PYSEC-2024-70 (CVE-2024-42005), fixed in: " in out
    assert ("4.2.15" in out) == version.startswith("4.2")  # only the fixes above the pin are named
    assert "5.0.8" in out


@pytest.mark.parametrize("version", ["4.1", "4.2.15", "4.2.16", "5.0.8", "5.2.19"])
def test_it_passes_a_pin_outside_every_range(files, version):
    files.write([f"django=={version}", "lxml==6.1.3", "sqlparse==0.5.0"])

    assert files.run() == 0


def test_it_fails_on_a_version_listed_explicitly_and_on_one_up_to_last_affected(files, capsys):
    files.write(["django==5.2.19", "lxml==4.6.2", "sqlparse==0.4.4"])

    assert files.run() == 1
    out = capsys.readouterr().out
    assert "lxml==4.6.2: PYSEC-2020-62, fixed in: no fixed version known" in out
    assert "sqlparse==0.4.4: GHSA-test-last" in out


def test_it_fails_when_a_pinned_package_was_never_looked_up(files, capsys):
    files.write(["django==5.2.19", "lxml==6.1.3", "sqlparse==0.5.0", "segno==1.6.6"])

    assert files.run() == 1
    out = capsys.readouterr().out
    assert "never looked up: segno" in out
    assert "make audit-refresh" in out


def test_a_package_looked_up_without_advisories_is_a_real_answer(files):
    files.write(["segno==1.6.6"], packages={"segno": []})

    assert files.run() == 0


def test_it_fails_loudly_when_the_list_is_missing(files, capsys):
    files.write(["django==5.2.19"])
    files.advisories.unlink()

    assert files.run() == 2
    err = capsys.readouterr().err
    assert "DEPENDENCY AUDIT FAILED" in err
    assert "is missing, so nothing can be audited" in err
    assert "make audit-refresh" in err


@pytest.mark.parametrize("content", ["", "{", '{"snapshot_date": "2026-03-01"}', '{"packages": {"django": []}}'])
def test_it_fails_loudly_when_the_list_is_unreadable(files, capsys, content):
    files.write(["django==5.2.19"])
    files.advisories.write_text(content)

    assert files.run() == 2
    assert "is unreadable" in capsys.readouterr().err


def test_it_fails_loudly_when_the_list_covers_nothing(files, capsys):
    files.write(["django==5.2.19"], packages={})

    assert files.run() == 2
    assert "covers no package" in capsys.readouterr().err


def test_it_fails_when_the_snapshot_is_older_than_the_maximum_age(files, capsys):
    files.write(["django==5.2.19", "lxml==6.1.3", "sqlparse==0.5.0"])
    last_good_day = SNAPSHOT + datetime.timedelta(days=MAX_AGE_DAYS)

    with time_machine.travel(datetime.datetime.combine(last_good_day, datetime.time(12)), tick=False):
        assert files.run(today=None) == 0
    with time_machine.travel(datetime.datetime.combine(last_good_day, datetime.time(12)) + datetime.timedelta(days=1)):
        assert files.run(today=None) == 1
    out = capsys.readouterr().out
    assert f"{MAX_AGE_DAYS + 1} days old: older than {MAX_AGE_DAYS} days" in out
    assert "make audit-refresh" in out


def test_it_names_the_vulnerable_pins_even_when_the_list_is_stale(files, capsys):
    files.write(["django==5.0.7", "lxml==6.1.3", "sqlparse==0.5.0"])

    assert files.run(today=SNAPSHOT + datetime.timedelta(days=365)) == 1
    out = capsys.readouterr().out
    assert "PYSEC-2024-70" in out
    assert "365 days old" in out


ACCEPTED = """
[[ignore]]
id = "{id}"
reason = "QuerySet.values() is never given user keys"
expires = {expires}
"""


@pytest.mark.parametrize("advisory", ["PYSEC-2024-70", "CVE-2024-42005"])
def test_a_reviewed_acceptance_lets_an_advisory_pass_until_it_expires(files, capsys, advisory):
    files.write(
        ["django==5.0.7", "lxml==6.1.3", "sqlparse==0.5.0"], ignored=ACCEPTED.format(id=advisory, expires=TODAY)
    )

    assert files.run() == 0
    out = capsys.readouterr().out
    assert f"accepted until {TODAY}: django==5.0.7: PYSEC-2024-70" in out
    assert "never given user keys" in out


def test_an_expired_acceptance_fails_the_audit(files, capsys):
    yesterday = TODAY - datetime.timedelta(days=1)
    files.write(
        ["django==5.0.7", "lxml==6.1.3", "sqlparse==0.5.0"],
        ignored=ACCEPTED.format(id="PYSEC-2024-70", expires=yesterday),
    )

    assert files.run() == 2
    err = capsys.readouterr().err
    assert f"the acceptance of PYSEC-2024-70 expired on {yesterday}" in err


@pytest.mark.parametrize(
    "entry",
    [
        'id = "PYSEC-2024-70"\nexpires = 2027-01-01',
        'id = "PYSEC-2024-70"\nreason = " "\nexpires = 2027-01-01',
        'id = "PYSEC-2024-70"\nreason = "why"\nexpires = "soon"',
    ],
)
def test_an_acceptance_needs_a_reason_and_a_date(files, capsys, entry):
    files.write(["django==5.0.7"], ignored=f"[[ignore]]\n{entry}\n")

    assert files.run() == 2
    assert "needs an id, a reason and an expiry date" in capsys.readouterr().err


def test_an_acceptance_that_matches_nothing_is_pointed_out(files, capsys):
    files.write(
        ["django==5.2.19", "lxml==6.1.3", "sqlparse==0.5.0"], ignored=ACCEPTED.format(id="PYSEC-1", expires=TODAY)
    )

    assert files.run() == 0
    assert "PYSEC-1 matches no pinned package any more; remove it." in capsys.readouterr().out


@pytest.mark.parametrize("line", ["django>=5.2", "django", "django==5.*"])
def test_it_refuses_a_lock_file_with_an_unpinned_package(files, capsys, line):
    files.write(["lxml==6.1.3"])
    files.lock.write_text(files.lock.read_text() + line + "\n")

    assert files.run() == 2
    assert "is not pinned to one version with ==" in capsys.readouterr().err


def test_it_refuses_an_empty_or_missing_lock_file(files, capsys):
    files.write([])
    assert files.run() == 2
    files.lock.unlink()
    assert files.run() == 2
    err = capsys.readouterr().err
    assert "pins no package" in err
    assert "is missing" in err


def test_the_shipped_list_covers_every_package_the_lock_files_pin():
    """What `make audit` checks first; this catches a package added without a refresh, whatever the date."""
    pins = audit_dependencies.read_pins(audit_dependencies.LOCK_FILES)
    data = audit_dependencies.load_advisories(audit_dependencies.ADVISORIES)
    snapshot = datetime.date.fromisoformat(data["snapshot_date"])

    report = audit_dependencies.audit(pins, data, [], today=snapshot)

    assert report.problems == []
    assert report.packages == len(pins) > 100
    assert data["source"] == "https://github.com/pypa/advisory-database"
    assert data["license"] == "CC-BY-4.0"


ADVISORY_YAML = """id: {id}
modified: 2024-08-07T17:22:10Z
aliases:
- {alias}
details: A long description
  over two lines.
affected:
- package:
    ecosystem: PyPI
    name: {name}
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 1.2.3
  - type: GIT
    repo: https://example.com/repo
    events:
    - introduced: abcdef
"""


def test_the_refresh_keeps_the_advisories_of_the_pinned_packages_and_records_the_snapshot(tmp_path):
    clone = tmp_path / "advisory-database"
    (clone / "vulns" / "segno").mkdir(parents=True)
    (clone / "vulns" / "other").mkdir(parents=True)
    (clone / "vulns" / "segno" / "PYSEC-1.yaml").write_text(
        ADVISORY_YAML.format(id="PYSEC-1", alias="CVE-1", name="Segno")
    )
    (clone / "vulns" / "segno" / "PYSEC-2.yaml").write_text(
        ADVISORY_YAML.format(id="PYSEC-2", alias="CVE-2", name="segno") + "withdrawn: 2024-09-01T00:00:00Z\n"
    )
    (clone / "vulns" / "other" / "PYSEC-3.yaml").write_text(
        ADVISORY_YAML.format(id="PYSEC-3", alias="CVE-3", name="other")
    )
    environment = {"GIT_COMMITTER_DATE": "2026-02-27T10:00:00+00:00", "GIT_AUTHOR_DATE": "2026-02-27T10:00:00+00:00"}
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *command], check=True, env={**os.environ, **environment})  # noqa: S603

    snapshot, advisories = refresh_advisories.read_clone(clone)
    result = refresh_advisories.build(snapshot, advisories, ["Segno", "django"])

    assert result["snapshot_date"] == "2026-02-27"
    assert len(result["commit"]) == 40
    assert result["packages"] == {
        "django": [],
        "segno": [
            {
                "id": "PYSEC-1",
                "aliases": ["CVE-1"],
                "summary": "A long description over two lines.",
                "modified": "2024-08-07",
                "affected": [
                    {
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}],
                        "versions": [],
                    }
                ],
            }
        ],
    }


STALE_ACCEPTED = """
[stale_snapshot]
reason = "no newer snapshot can be had from the build machines"
expires = {expires}
"""


def test_a_stale_list_passes_only_while_accepted_and_says_so_every_run(files, capsys):
    too_old = SNAPSHOT + datetime.timedelta(days=MAX_AGE_DAYS + 30)
    files.write(["django==5.2.19", "lxml==6.1.3", "sqlparse==0.5.0"], ignored=STALE_ACCEPTED.format(expires=too_old))

    assert files.run(today=too_old) == 0
    out = capsys.readouterr().out
    assert f"STALE ADVISORY LIST, NOT CHECKED FOR ANYTHING PUBLISHED SINCE {SNAPSHOT}" in out
    assert "no newer snapshot can be had" in out

    assert files.run(today=too_old + datetime.timedelta(days=1)) == 2
    assert "acceptance of a stale advisory snapshot expired" in capsys.readouterr().err


def test_an_accepted_stale_list_still_fails_on_a_vulnerable_pin(files, capsys):
    too_old = SNAPSHOT + datetime.timedelta(days=MAX_AGE_DAYS + 30)
    files.write(["django==5.0.7", "lxml==6.1.3", "sqlparse==0.5.0"], ignored=STALE_ACCEPTED.format(expires=too_old))

    assert files.run(today=too_old) == 1
    assert "PYSEC-2024-70" in capsys.readouterr().out


@pytest.mark.parametrize("entry", ["[stale_snapshot]\nexpires = 2027-01-31\n", '[stale_snapshot]\nreason = "x"\n'])
def test_a_stale_acceptance_needs_a_reason_and_a_date(files, capsys, entry):
    files.write(["django==5.2.19", "lxml==6.1.3", "sqlparse==0.5.0"], ignored=entry)

    assert files.run() == 2
    assert "[stale_snapshot] needs a reason and an expiry date" in capsys.readouterr().err


def test_the_shipped_audit_passes_today_and_warns_that_its_list_is_stale(capsys):
    """The repository as it is: no vulnerable pin, and the stale snapshot said out loud."""
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "No pinned version is affected." in out
