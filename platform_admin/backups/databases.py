"""The databases of a backup: every alias in DATABASES, dumped with the engine's own tool
(pg_dump's custom format, SQLite's online backup API), restored with it (pg_restore, the same
API), and summed up as row counts and checksums per table for the manifest.

pg_dump and pg_restore get the connection through the environment (PGHOST, PGUSER,
PGPASSWORD, ...), never on the command line, where every user of the machine sees it in `ps`."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess  # noqa: S404  (pg_dump/pg_restore: fixed programs, arguments as a list)
from contextlib import closing, contextmanager
from pathlib import Path

from django.db import connections

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
MASK = (1 << 64) - 1


class DatabaseError(Exception):
    pass


def aliases() -> list[str]:
    return list(connections.settings)


def engine_of(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return POSTGRESQL
    if "sqlite3" in engine:
        return SQLITE
    raise DatabaseError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def settings_for(alias: str) -> dict:
    return connections[alias].settings_dict


def pg_environment(settings_dict: dict, name: str | None = None) -> dict[str, str]:
    environment = {**os.environ, "PGDATABASE": name or settings_dict["NAME"]}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    return environment


def pg_connect(settings_dict: dict, name: str | None = None, *, autocommit: bool = False):
    import psycopg

    return psycopg.connect(
        dbname=name or settings_dict["NAME"],
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=autocommit,
    )


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        raise DatabaseError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


# --- Dump ----------------------------------------------------------------------------------------


def dump(alias: str, target: Path) -> dict:
    """Write the database `alias` to `target`; returns its manifest entry (the row counts and
    checksums of the very state that was dumped)."""
    settings_dict = settings_for(alias)
    engine = engine_of(settings_dict)
    if engine == POSTGRESQL:
        tables = _pg_dump(settings_dict, target)
    else:
        _sqlite_copy(settings_dict["NAME"], target)
        tables = sqlite_tables(target)
    return {"engine": engine, "tables": tables}


def _pg_dump(settings_dict: dict, target: Path) -> dict:
    # One snapshot for the counts and the dump: what the manifest says is what the dump holds,
    # however many writes happen meanwhile.
    with closing(pg_connect(settings_dict)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = _pg_tables(conn)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            pg_environment(settings_dict),
        )
        conn.rollback()
    return tables


def _sqlite_copy(source: str | Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# --- Restore -------------------------------------------------------------------------------------


def restore(alias: str, engine: str, dumped: Path, *, into: str | None = None) -> None:
    """Restore a dump of `alias` into that database, or into the database named `into`."""
    settings_dict = settings_for(alias)
    if engine != engine_of(settings_dict):
        raise DatabaseError(f"The backup of {alias} is {engine}, the database is not.")
    if into is None:
        # Over the live database: this process's connection must not hold it (or a stale view).
        connections[alias].close()
    if engine == POSTGRESQL:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={into or settings_dict['NAME']}",
                str(dumped),
            ],
            pg_environment(settings_dict, into),
        )
    else:
        _sqlite_copy(dumped, into or settings_dict["NAME"])


@contextmanager
def scratch_postgresql(alias: str):
    """A scratch database `<name>_verify` beside the real one, dropped afterwards."""
    settings_dict = settings_for(alias)
    name = f"{settings_dict['NAME']}_verify"
    from psycopg import sql

    drop = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
    with closing(pg_connect(settings_dict, autocommit=True)) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with closing(pg_connect(settings_dict, autocommit=True)) as conn:
            conn.execute(drop)


# --- Row counts and checksums --------------------------------------------------------------------


def current_tables(alias: str) -> dict:
    settings_dict = settings_for(alias)
    if engine_of(settings_dict) == POSTGRESQL:
        return postgresql_tables(settings_dict)
    return sqlite_tables(settings_dict["NAME"])


def postgresql_tables(settings_dict: dict, name: str | None = None) -> dict:
    with closing(pg_connect(settings_dict, name)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables = _pg_tables(conn)
        conn.rollback()
    return tables


def _pg_tables(conn) -> dict:
    """Rows and an order-free checksum per table: the sum of the first 60 bits of each row's
    md5 (of its text form, with the time zone and formats pinned), computed in the database."""
    conn.execute("SET LOCAL TIME ZONE 'UTC'")
    conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    conn.execute("SET LOCAL extra_float_digits = 3")
    names = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    from psycopg import sql

    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)"
        " FROM {} AS t"
    )
    tables = {}
    for name in names:
        rows, total = conn.execute(query.format(sql.Identifier(name))).fetchone()
        tables[name] = {"rows": rows, "checksum": format(int(total) & MASK, "016x")}
    return tables


def sqlite_tables(path: str | Path) -> dict:
    with closing(sqlite3.connect(path)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        tables = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            rows = total = 0
            for row in conn.execute(f"SELECT * FROM {quoted}"):  # noqa: S608
                digest = hashlib.blake2b(repr(row).encode(), digest_size=8).digest()
                total = (total + int.from_bytes(digest, "big")) & MASK
                rows += 1
            tables[name] = {"rows": rows, "checksum": format(total, "016x")}
    return tables
