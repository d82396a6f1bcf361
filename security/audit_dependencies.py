"""The dependency audit, offline: every package pinned in the lock files against the advisories
shipped in security/advisories.json (the PyPA advisory database, trimmed by
security/refresh_advisories.py).

    python -m security.audit_dependencies     (make audit; .ci/run runs it)

It exits non-zero, saying why, when a pinned version is affected by an advisory (with the fixed
versions), and also when it cannot give a real answer: the list missing, unreadable or empty,
older than MAX_AGE_DAYS, or not covering a pinned package. It never passes by auditing nothing.
An advisory that has been reviewed and accepted for a while goes in security/ignored.toml with
a reason and an expiry date; an expired entry fails the audit too. So does a stale snapshot: it
passes only while a [stale_snapshot] entry there accepts it, with a reason and an expiry, and
every run then warns, in capitals, that nothing published since was checked.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# How old the advisory snapshot may be before the audit stops trusting it to know of recent
# advisories: about a quarter, so a release cycle of our dependencies does not go unseen.
MAX_AGE_DAYS = 120

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
ADVISORIES = ROOT / "security" / "advisories.json"
IGNORED = ROOT / "security" / "ignored.toml"
REFRESH = (
    "Refresh it: git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database"
    " && make audit-refresh ADVISORY_DB=/tmp/advisory-database"
)


class AuditError(Exception):
    """The audit cannot give an answer; the message says why and what to do."""


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    summary: str
    fixed: tuple[str, ...]

    def describe(self) -> str:
        fixed = ", ".join(self.fixed) if self.fixed else "no fixed version known"
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.package}=={self.version}: {self.advisory}{aliases}, fixed in: {fixed}. {self.summary}"


@dataclass(frozen=True)
class Ignore:
    id: str
    reason: str
    expires: datetime.date


@dataclass(frozen=True)
class StaleAcceptance:
    """Someone decided that an old snapshot may stand in until `expires` (no newer one can be had)."""

    reason: str
    expires: datetime.date


@dataclass
class Report:
    packages: int
    advisories: int
    snapshot_date: datetime.date
    commit: str
    findings: list[Finding] = field(default_factory=list)
    ignored: list[tuple[Finding, Ignore]] = field(default_factory=list)
    unused_ignores: list[Ignore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why the answer cannot be trusted
    warnings: list[str] = field(default_factory=list)  # what a reviewed decision lets pass, said every run


def read_pins(paths: Iterable[Path]) -> set[tuple[str, str]]:
    """Every (name, version) pinned with == in the lock files; anything else pinned is an error."""
    pins: set[tuple[str, str]] = set()
    for path in paths:
        if not path.is_file():
            raise AuditError(f"Lock file {path} is missing: make lock writes it from {path.stem}.in.")
        found = 0
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split(" #", 1)[0].strip().removesuffix("\\").strip()
            if not line or raw[0].isspace() or line.startswith(("#", "-")):
                continue
            try:
                requirement = Requirement(line)
            except InvalidRequirement as error:
                raise AuditError(f"{path.name}:{number}: cannot read {line!r}: {error}") from error
            specifiers = list(requirement.specifier)
            if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
                raise AuditError(f"{path.name}:{number}: {line!r} is not pinned to one version with ==.")
            pins.add((canonicalize_name(requirement.name), specifiers[0].version))
            found += 1
        if not found:
            raise AuditError(f"Lock file {path} pins no package.")
    return pins


def load_advisories(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise AuditError(f"The advisory list {path} is missing, so nothing can be audited. {REFRESH}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        packages = data["packages"]
        datetime.date.fromisoformat(data["snapshot_date"])
    except (ValueError, KeyError, TypeError) as error:
        raise AuditError(f"The advisory list {path} is unreadable ({error!r}). {REFRESH}") from error
    if not isinstance(packages, dict) or not packages:
        raise AuditError(f"The advisory list {path} covers no package, so nothing can be audited. {REFRESH}")
    return dict(data)


def load_ignores(path: Path, today: datetime.date) -> list[Ignore]:
    if not path.is_file():
        return []
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("ignore", [])
    except tomllib.TOMLDecodeError as error:
        raise AuditError(f"{path} is unreadable: {error}") from error
    ignores = []
    for entry in entries:
        advisory, reason, expires = entry.get("id"), entry.get("reason"), entry.get("expires")
        if not advisory or not str(reason or "").strip() or type(expires) is not datetime.date:
            raise AuditError(
                f"{path}: each entry needs an id, a reason and an expiry date (expires = 2027-01-31): {entry}"
            )
        if expires < today:
            raise AuditError(
                f"{path}: the acceptance of {advisory} expired on {expires} ({reason}). Review it again: "
                "upgrade the package, or renew the entry with a new reason and date."
            )
        ignores.append(Ignore(id=str(advisory), reason=str(reason), expires=expires))
    return ignores


def load_stale_acceptance(path: Path, today: datetime.date) -> StaleAcceptance | None:
    if not path.is_file():
        return None
    try:
        entry = tomllib.loads(path.read_text(encoding="utf-8")).get("stale_snapshot")
    except tomllib.TOMLDecodeError as error:
        raise AuditError(f"{path} is unreadable: {error}") from error
    if entry is None:
        return None
    reason, expires = entry.get("reason"), entry.get("expires")
    if not str(reason or "").strip() or type(expires) is not datetime.date:
        raise AuditError(f"{path}: [stale_snapshot] needs a reason and an expiry date (expires = 2027-01-31).")
    if expires < today:
        raise AuditError(
            f"{path}: the acceptance of a stale advisory snapshot expired on {expires} ({reason}). {REFRESH}, "
            "or renew the acceptance with a new reason and date."
        )
    return StaleAcceptance(reason=str(reason), expires=expires)


def parse_version(text: str, advisory: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as error:
        raise AuditError(f"Advisory {advisory} has a range bound {text!r} that is not a version.") from error


def in_range(version: Version, events: Sequence[dict[str, str]], advisory: str) -> bool:
    """OSV's evaluation of one ECOSYSTEM or SEMVER range: walk the events in version order."""
    bounds: list[tuple[Version | None, str]] = []  # None: introduced "0", before every version
    for event in events:
        ((kind, text),) = event.items()
        lowest = kind == "introduced" and text == "0"
        bounds.append((None if lowest else parse_version(text, advisory), kind))
    affected = False
    for bound, kind in sorted(bounds, key=lambda item: (item[0] is not None, item[0] or Version("0"))):
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif bound is not None and (
            (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound)
        ):
            affected = False
    limits = [bound for bound, kind in bounds if kind == "limit" and bound is not None]
    return affected and all(version < limit for limit in limits)


def matches(version: str, advisory: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """Whether the pinned version is affected, and the fixed versions above it."""
    pinned = Version(version)
    affected, fixed = False, set()
    for entry in advisory["affected"]:
        for listed in entry.get("versions", []):
            try:
                affected = affected or Version(listed) == pinned
            except InvalidVersion:
                affected = affected or listed == version
        for ranged in entry.get("ranges", []):
            affected = affected or in_range(pinned, ranged["events"], advisory["id"])
            fixed |= {parse_version(e["fixed"], advisory["id"]) for e in ranged["events"] if "fixed" in e}
    return affected, tuple(str(f) for f in sorted(f for f in fixed if f > pinned))


def audit(
    pins: set[tuple[str, str]],
    data: dict[str, Any],
    ignores: list[Ignore],
    today: datetime.date,
    stale: StaleAcceptance | None = None,
) -> Report:
    """The findings, and the problems that make a clean answer untrustworthy (each one fails)."""
    packages: dict[str, list[dict[str, Any]]] = data["packages"]
    report = Report(
        packages=len(pins),
        advisories=len({a["id"] for advisories in packages.values() for a in advisories}),
        snapshot_date=datetime.date.fromisoformat(data["snapshot_date"]),
        commit=str(data.get("commit", "")),
    )
    age = (today - report.snapshot_date).days
    if age > MAX_AGE_DAYS:
        missing = (
            f"The advisory list is a snapshot of {report.snapshot_date}, {age} days old: older than "
            f"{MAX_AGE_DAYS} days (MAX_AGE_DAYS in security/audit_dependencies.py), it misses the advisories "
            f"published since."
        )
        if stale is None:
            report.problems.append(f"{missing} {REFRESH}")
        else:
            report.warnings.append(
                f"STALE ADVISORY LIST, NOT CHECKED FOR ANYTHING PUBLISHED SINCE {report.snapshot_date}. {missing} "
                f"Accepted until {stale.expires}: {stale.reason} {REFRESH}"
            )
    uncovered = sorted({name for name, _ in pins} - packages.keys())
    if uncovered:
        report.problems.append(
            f"The advisory list was built before these pinned packages were added, so they were never "
            f"looked up: {', '.join(uncovered)}. {REFRESH}"
        )
    used = set()
    for name, version in sorted(pins):
        for advisory in packages.get(name, []):
            affected, fixed = matches(version, advisory)
            if not affected:
                continue
            finding = Finding(
                package=name,
                version=version,
                advisory=advisory["id"],
                aliases=tuple(advisory.get("aliases", [])),
                summary=advisory.get("summary", ""),
                fixed=fixed,
            )
            names = {finding.advisory, *finding.aliases}
            accepted = next((i for i in ignores if i.id in names), None)
            if accepted:
                report.ignored.append((finding, accepted))
                used.add(accepted.id)
            else:
                report.findings.append(finding)
    report.unused_ignores = [i for i in ignores if i.id not in used]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lock", type=Path, action="append", help="a lock file (default: requirements*.txt)")
    parser.add_argument("--advisories", type=Path, default=ADVISORIES)
    parser.add_argument("--ignored", type=Path, default=IGNORED)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date.today())
    args = parser.parse_args(argv)
    try:
        pins = read_pins(args.lock or LOCK_FILES)
        data = load_advisories(args.advisories)
        ignores = load_ignores(args.ignored, args.today)
        report = audit(pins, data, ignores, args.today, load_stale_acceptance(args.ignored, args.today))
    except AuditError as error:
        print(f"DEPENDENCY AUDIT FAILED: {error}", file=sys.stderr)
        return 2
    print(
        f"Audited {report.packages} pinned packages against {report.advisories} advisories from the PyPA "
        f"advisory database snapshot of {report.snapshot_date} ({report.commit[:12]})."
    )
    for finding, accepted in report.ignored:
        print(f"  accepted until {accepted.expires}: {finding.describe()} Reason: {accepted.reason}")
    for unused in report.unused_ignores:
        print(f"  {args.ignored.name}: {unused.id} matches no pinned package any more; remove it.")
    if report.findings:
        print(f"DEPENDENCY AUDIT FAILED: {len(report.findings)} vulnerable pins:")
        for finding in report.findings:
            print(f"  {finding.describe()}")
    for warning in report.warnings:
        print(f"WARNING: {warning}")
    for problem in report.problems:
        print(f"DEPENDENCY AUDIT FAILED: {problem}")
    if report.findings or report.problems:
        return 1
    print("No pinned version is affected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
