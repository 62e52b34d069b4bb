from django.core.management.base import BaseCommand

from notices.vapid import generate_keys


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push as .env lines."

    def handle(self, *args, **options):
        keys = generate_keys()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={keys['public_key']}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={keys['private_key']}")
