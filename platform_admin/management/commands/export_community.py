"""Everything of one community as a zip archive (platform_admin.backups.export)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Community
from platform_admin.backups.export import export_community


class Command(BaseCommand):
    help = "Write everything of one community (rows as JSON per model, its files) to a zip file."

    def add_arguments(self, parser):
        parser.add_argument("community", type=int, help="the community's id")
        parser.add_argument("--output", "-o", help="the zip file (default: community-<id>.zip)")

    def handle(self, *args, community, output, **options):
        found = Community.objects.select_related("company").filter(pk=community).first()
        if found is None:
            raise CommandError(f"There is no community {community}.")
        target = Path(output or f"community-{community}.zip")
        counts = export_community(found, target)
        for label, rows in sorted(counts.items()):
            if rows:
                self.stdout.write(f"  {label}: {rows}")
        self.stdout.write(
            self.style.SUCCESS(f"{found.name}: {sum(counts.values())} rows → {target}")
        )
