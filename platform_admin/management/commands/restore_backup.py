"""Restore a backup (docs/operations.md): `--dry-run` says what would change; without it, the
databases and files are restored (after a confirmation unless --noinput) and compared with the
backup's manifest. Stop the web, worker and beat processes first."""

from django.core.management.base import BaseCommand, CommandError

from platform_admin.backups import compare, restore
from platform_admin.backups.crypto import BackupKeyError


class Command(BaseCommand):
    help = "Restore a backup (an id from the backups page, or an archive file) over this site."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup's number, or the path of a .linlibak file")
        parser.add_argument("--dry-run", action="store_true", help="only say what would change")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="do not ask for confirmation",
        )  # fmt: skip

    def handle(self, *args, backup, dry_run, interactive, **options):
        try:
            source = restore.Source.parse(backup)
            if dry_run or interactive:
                self._print(restore.dry_run(source), "What a restore would change:")
            if dry_run:
                return
            if (
                interactive
                and input("Restore this backup over the current data? [yes/no] ") != "yes"
            ):
                raise CommandError("Nothing was restored.")
            result = restore.restore(source)
        except (ValueError, BackupKeyError) as error:
            raise CommandError(str(error)) from error
        self._print(result, "Restored; compared with the backup's manifest:")
        if not result["ok"]:
            raise CommandError("The restored data does not match the backup's manifest.")
        self.stdout.write(self.style.SUCCESS("The restored data matches the backup."))

    def _print(self, result: dict, heading: str) -> None:
        self.stdout.write(heading)
        for line in compare.summary_lines(result, limit=200):
            self.stdout.write(f"  {line}")
        changes = sum(len(d["differences"]) for d in result["databases"].values()) + sum(
            len(f["missing"]) + len(f["changed"]) for f in result["files"].values()
        )
        self.stdout.write(f"  {changes} tables and files differ from the backup.")
