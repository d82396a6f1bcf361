"""The benchmarks' databases, made anew: before Django is set up, since one is dropped."""

import os
from pathlib import Path


def fresh_database() -> None:
    """Empties the database named in DATABASE_URL: the SQLite file removed, the PostgreSQL database
    dropped and created (refused for the names a developer keeps)."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name in ("test", "postgres", "root"):
        raise SystemExit(f"refusing to drop the database {name!r}: name a bench database")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
