"""Back up, verify and restore a big database and print the sizes and times (PSET-2).

    .venv/bin/python bench/backup.py --database-url postgres://postgres@127.0.0.1:5432/linli_estate
    [--var-dir var/bench-complaints] [--no-restore]

Works against whatever database it is given, already migrated and seeded (bench/estate.py
seeds the 20,000-room estate with a year of activity; bench/complaints.py its complaints). It
takes a backup as the nightly job does (every database, every stored file, compressed and
encrypted, to a folder under --var-dir), verifies it by restoring it into a scratch database
and comparing with the manifest, runs the restore's dry run, then restores the backup over the
database itself (as `manage.py restore_backup <id> --noinput` would) and compares again. It
prints the database's size, the archive's size and the time of each step; it exits with
status 1 when the verification or the comparison after the restore does not match.

The restore writes over the database it is given: point it at a bench database only."""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("LINLI_VAR_DIR", str(ROOT / "var" / "bench-backup")),
        help="LINLI_VAR_DIR: the media the seeding wrote (bench/complaints.py: var/bench-complaints)"
        " and where the archives go",
    )
    parser.add_argument("--no-restore", action="store_true", help="back up and verify only")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL): the database to back up")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["LINLI_VAR_DIR"] = args.var_dir

    import django

    django.setup()
    run_bench(restore_too=not args.no_restore)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _database_size() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return _mb(cursor.fetchone()[0])
    return _mb(Path(connection.settings_dict["NAME"]).stat().st_size)


def run_bench(*, restore_too: bool) -> None:
    from django.db import connection

    from platform_admin.backups import restore, services
    from platform_admin.backups.models import BackupRun

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, {_database_size()}")
    started = time.monotonic()
    run = services.backup_execute(BackupRun.objects.create(kind=BackupRun.Kind.MANUAL).pk)
    backup_seconds = time.monotonic() - started
    if run.status != BackupRun.Status.SUCCEEDED:
        sys.exit(f"backup failed: {run.error}")
    tables = run.manifest["databases"]["default"]["tables"]
    rows = sum(table["rows"] for table in tables.values())
    files = sum(len(found) for found in run.manifest["files"].values())
    biggest = sorted(tables.items(), key=lambda item: -item[1]["rows"])[:5]
    print(f"manifest: {len(tables)} tables, {rows:,} rows, {files:,} files")
    print("  biggest: " + ", ".join(f"{name} {table['rows']:,}" for name, table in biggest))
    print(f"backup  #{run.pk}: {backup_seconds:7.1f} s, archive {_mb(run.size)}"
          f" (dump {_mb(run.manifest['databases']['default']['size'])});"
          f" steps {run.manifest['timings']}")  # fmt: skip

    started = time.monotonic()
    run = services.verify(run.pk)
    verify_seconds = time.monotonic() - started
    print(f"verify  #{run.pk}: {verify_seconds:7.1f} s, {run.get_verification_display()}"
          f" ({run.verification})")  # fmt: skip
    failed = run.verification != BackupRun.Verification.PASSED
    if not restore_too:
        sys.exit(1 if failed else 0)

    source = restore.Source(run=run)
    started = time.monotonic()
    preview = restore.dry_run(source)
    dry_seconds = time.monotonic() - started
    changed = sum(len(d["differences"]) for d in preview["databases"].values())
    print(f"dry run:  {dry_seconds:7.1f} s, {changed} tables differ from the backup")

    started = time.monotonic()
    result = restore.restore(source)
    restore_seconds = time.monotonic() - started
    print(f"restore:  {restore_seconds:7.1f} s (database and files, then the comparison),"
          f" {'matches' if result['ok'] else 'DOES NOT MATCH'} the manifest")  # fmt: skip
    print(f"summary: backup {backup_seconds:.1f} s, verify {verify_seconds:.1f} s,"
          f" restore {restore_seconds:.1f} s, archive {_mb(run.size)}")  # fmt: skip
    sys.exit(1 if failed or not result["ok"] else 0)


if __name__ == "__main__":
    main()
