"""Rebuilds security/advisories.json from a clone of the PyPA advisory database.

    python -m security.refresh_advisories /path/to/advisory-database   (make audit-refresh ADVISORY_DB=...)

The database (https://github.com/pypa/advisory-database, CC-BY-4.0) holds one OSV file per
advisory under vulns/<package>/. This keeps, for every package pinned in the lock files, the
advisories that concern it, trimmed to what security/audit_dependencies.py reads (id, aliases, summary,
affected ranges and versions), and records which packages were looked up: a package listed with
no advisories is one the snapshot was asked about and had nothing against, not one nobody asked.
The clone may be a work tree or a bare repository; its HEAD commit and that commit's date are
recorded, and the audit measures the list's age from that date, not from the day of the refresh.
"""

from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name

from security.audit_dependencies import ADVISORIES, LOCK_FILES, read_pins

SOURCE = "https://github.com/pypa/advisory-database"
LICENSE = "CC-BY-4.0"


def git(clone: Path, *args: str, stdin: bytes | None = None) -> bytes:
    # git from PATH, on the clone named on the command line, with the arguments written here.
    command = ["git", "-C", str(clone), *args]
    return subprocess.run(command, input=stdin, capture_output=True, check=True).stdout  # noqa: S603  # nosec B603


def read_clone(clone: Path) -> tuple[dict[str, str], Iterator[dict[str, Any]]]:
    """The snapshot's commit and date, and every advisory file in it, parsed."""
    commit, date = git(clone, "log", "-1", "--format=%H %cI", "HEAD").decode().split()
    paths = [
        path
        for path in git(clone, "ls-tree", "-r", "--name-only", "HEAD", "vulns").decode().splitlines()
        if path.endswith((".yaml", ".yml", ".json"))
    ]
    if not paths:
        raise SystemExit(f"{clone} holds no advisories under vulns/: is it a clone of {SOURCE}?")
    batch = git(clone, "cat-file", "--batch", stdin="".join(f"HEAD:{p}\n" for p in paths).encode())
    return {"commit": commit, "date": date[:10], "files": str(len(paths))}, parse_batch(batch)


def parse_batch(batch: bytes) -> Iterator[dict[str, Any]]:
    """`git cat-file --batch` output: a '<sha> blob <size>' line, the content, a newline, repeated."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    position = 0
    while position < len(batch):
        header_end = batch.index(b"\n", position)
        size = int(batch[position:header_end].split()[2])
        content = batch[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1
        # SafeLoader, or its faster C twin: no object construction from the file.
        yield yaml.load(content, Loader=loader)  # noqa: S506  # nosec B506


def trim(advisory: dict[str, Any], package: str) -> dict[str, Any]:
    """What the audit reads about one advisory for one package."""
    summary = advisory.get("summary") or " ".join(str(advisory.get("details", "")).split())
    if len(summary) > 200:
        summary = summary[:199].rstrip() + "…"
    affected = [
        {
            "ranges": [
                {"type": r["type"], "events": [{k: str(v) for k, v in e.items()} for e in r.get("events", [])]}
                for r in entry.get("ranges", [])
                if r.get("type") in ("ECOSYSTEM", "SEMVER")
            ],
            "versions": [str(v) for v in entry.get("versions", [])],
        }
        for entry in advisory.get("affected", [])
        if entry.get("package", {}).get("ecosystem") == "PyPI"
        and canonicalize_name(entry["package"]["name"]) == package
    ]
    return {
        "id": advisory["id"],
        "aliases": sorted(advisory.get("aliases") or []),
        "summary": summary,
        "modified": str(advisory.get("modified", ""))[:10],
        "affected": affected,
    }


def build(snapshot: dict[str, str], advisories: Iterable[dict[str, Any]], names: Iterable[str]) -> dict[str, Any]:
    packages: dict[str, list[dict[str, Any]]] = {canonicalize_name(name): [] for name in names}
    for advisory in advisories:
        if not advisory or advisory.get("withdrawn"):
            continue
        concerned = {
            canonicalize_name(entry["package"]["name"])
            for entry in advisory.get("affected", [])
            if entry.get("package", {}).get("ecosystem") == "PyPI"
        }
        for package in sorted(concerned & packages.keys()):
            packages[package].append(trim(advisory, package))
    for found in packages.values():
        found.sort(key=lambda a: a["id"])
    return {
        "source": SOURCE,
        "license": LICENSE,
        "commit": snapshot["commit"],
        "snapshot_date": snapshot["date"],
        "advisory_files_read": int(snapshot["files"]),
        "note": "packages: every name pinned in the lock files when this was built, each with the advisories "
        "of the snapshot that concern it (an empty list: the snapshot has none against it).",
        "packages": dict(sorted(packages.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clone", type=Path, help=f"a clone (work tree or bare) of {SOURCE}")
    parser.add_argument("--output", type=Path, default=ADVISORIES)
    args = parser.parse_args(argv)
    names = sorted({name for name, _ in read_pins(LOCK_FILES)})
    snapshot, advisories = read_clone(args.clone)
    result = build(snapshot, advisories, names)
    args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    count = sum(len(found) for found in result["packages"].values())
    print(
        f"{args.output}: {len(names)} packages looked up in {snapshot['files']} advisory files of "
        f"{SOURCE} at {snapshot['commit'][:12]} ({snapshot['date']}); {count} advisories concern them."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
