"""Rebuild the daily repair figures (the performance page's roll-up) from the orders.

    python manage.py repairs_figures_rebuild [--community ID ...]

The services keep the roll-up exact as they go; this is for orders written around them (a bulk
import, a restored backup, rows mended by hand)."""

import time

from django.core.management.base import BaseCommand

from repairs import rollup


class Command(BaseCommand):
    help = "Rebuild the daily repair figures of the communities (all by default) from the orders."

    def add_arguments(self, parser):
        parser.add_argument("--community", type=int, action="append", dest="communities")

    def handle(self, *args, communities=None, **options):
        started = time.monotonic()
        rows = rollup.rebuild(communities)
        self.stdout.write(f"{rows} rows in {time.monotonic() - started:.1f} s")
