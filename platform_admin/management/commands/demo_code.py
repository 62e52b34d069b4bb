from django.core.management.base import BaseCommand

from accounts.demo import DEMO_TOTP_SECRET, demo_totp_code


class Command(BaseCommand):
    help = (
        "Print the current two-step verification code of the demo's operator and managers "
        f"(seed_demo gives them the authenticator secret {DEMO_TOTP_SECRET})."
    )

    def handle(self, *args, **options):
        code, left = demo_totp_code()
        self.stdout.write(f"演示两步验证码：{code}（{left} 秒内有效）")
