"""Take a backup now, in this process (what the nightly job does), and optionally verify it."""

from django.core.management.base import BaseCommand, CommandError

from platform_admin.backups import compare, services
from platform_admin.backups.models import BackupRun


class Command(BaseCommand):
    help = (
        "Back up every database and stored file now; --verify restores it into a scratch database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true")

    def handle(self, *args, verify, **options):
        run = services.backup_execute(BackupRun.objects.create(kind=BackupRun.Kind.MANUAL).pk)
        if run.status != BackupRun.Status.SUCCEEDED:
            raise CommandError(f"Backup #{run.pk} failed: {run.error}")
        self.stdout.write(
            f"Backup #{run.pk}: {run.size} bytes in {run.duration_seconds} s → {run.destination}/{run.key}"
        )
        if verify:
            run = services.verify(run.pk)
            for line in compare.summary_lines(run.verification_result):
                self.stdout.write(f"  {line}")
            if run.verification != BackupRun.Verification.PASSED:
                raise CommandError(f"Backup #{run.pk} did not pass its verification.")
            self.stdout.write(self.style.SUCCESS(f"Backup #{run.pk} verified."))
